package io.inceptionserve.inference;

import io.inceptionserve.serving.ServedModel;

/**
 * Every class's probability for each image of a request, and the model version that computed them
 * (the one whose labels name the classes).
 */
public record Probabilities(ServedModel model, float[][] rows) {}
