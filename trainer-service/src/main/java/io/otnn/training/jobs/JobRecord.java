package io.otnn.training.jobs;

/**
 * One request's line in the journal ({@code job.json}).
 *
 * @param sequence        arrival order in this store: the queue's order after a restart
 * @param version         the model version allocated before the export, kept across a crash so that the same version
 *                        is exported and announced again instead of a new one
 * @param finalStatusSent the terminal status was published; false after a crash between the journal and the status
 */
public record JobRecord(
        String requestId,
        String modelName,
        long sequence,
        JobState state,
        int epoch,
        int epochs,
        Integer version,
        String checkpointUri,
        String manifestDigest,
        Double testAccuracy,
        String error,
        boolean finalStatusSent,
        long acceptedAtMillis,
        long updatedAtMillis) {

    public static JobRecord queued(String requestId, String modelName, long sequence, int epochs, long now) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                JobState.QUEUED,
                0,
                epochs,
                null,
                null,
                null,
                null,
                null,
                false,
                now,
                now);
    }

    public JobRecord withState(JobState s) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                s,
                epoch,
                epochs,
                version,
                checkpointUri,
                manifestDigest,
                testAccuracy,
                error,
                false,
                acceptedAtMillis,
                System.currentTimeMillis());
    }

    public JobRecord withEpoch(int e) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                state,
                e,
                epochs,
                version,
                checkpointUri,
                manifestDigest,
                testAccuracy,
                error,
                finalStatusSent,
                acceptedAtMillis,
                System.currentTimeMillis());
    }

    public JobRecord withVersion(int v) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                state,
                epoch,
                epochs,
                v,
                checkpointUri,
                manifestDigest,
                testAccuracy,
                error,
                finalStatusSent,
                acceptedAtMillis,
                System.currentTimeMillis());
    }

    public JobRecord exported(String digest, Double accuracy) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                JobState.EXPORTED,
                epochs,
                epochs,
                version,
                checkpointUri,
                digest,
                accuracy,
                null,
                false,
                acceptedAtMillis,
                System.currentTimeMillis());
    }

    public JobRecord succeeded(String uri) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                JobState.SUCCEEDED,
                epochs,
                epochs,
                version,
                uri,
                manifestDigest,
                testAccuracy,
                null,
                false,
                acceptedAtMillis,
                System.currentTimeMillis());
    }

    public JobRecord ended(JobState s, String why) {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                s,
                epoch,
                epochs,
                version,
                checkpointUri,
                manifestDigest,
                testAccuracy,
                why,
                false,
                acceptedAtMillis,
                System.currentTimeMillis());
    }

    public JobRecord withFinalStatusSent() {
        return new JobRecord(
                requestId,
                modelName,
                sequence,
                state,
                epoch,
                epochs,
                version,
                checkpointUri,
                manifestDigest,
                testAccuracy,
                error,
                true,
                acceptedAtMillis,
                updatedAtMillis);
    }
}
