package io.otnn.trainer.data;

/** Train, validation and test parts of one data set, with its name for the metadata. */
public record DataSplits(String name, Dataset train, Dataset validation, Dataset test) {}
