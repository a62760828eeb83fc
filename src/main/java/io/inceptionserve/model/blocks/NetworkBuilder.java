package io.inceptionserve.model.blocks;

import ai.djl.nn.Block;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings every network's builder shares, in DJL's builder style ({@code set…} for required,
 * {@code opt…} for optional settings).
 *
 * @param <B> the concrete builder, returned by each setter so calls chain
 */
public abstract class NetworkBuilder<B extends NetworkBuilder<B>> {

    protected int numClasses;
    protected int inputChannels = 3;
    protected boolean auxHeads = true;
    private final float dropout;

    /** @param dropout the dropout rate before the classifier that the network's design uses */
    protected NetworkBuilder(float dropout) {
        this.dropout = dropout;
    }

    /** The builder itself, typed as the subclass. */
    protected abstract B self();

    /**
     * Sets the number of classes (required).
     *
     * @param numClasses the number of classes
     * @return this builder
     */
    public B setNumClasses(int numClasses) {
        this.numClasses = numClasses;
        return self();
    }

    /**
     * Sets the number of input channels (default 3).
     *
     * @param inputChannels the number of input channels
     * @return this builder
     */
    public B optInputChannels(int inputChannels) {
        this.inputChannels = inputChannels;
        return self();
    }

    /**
     * Adds the network's auxiliary classifiers, used in training only (default on).
     *
     * @param auxHeads whether to add them
     * @return this builder
     */
    public B optAuxHeads(boolean auxHeads) {
        this.auxHeads = auxHeads;
        return self();
    }

    /**
     * Builds the network: its stages, then the classifier head (global average pool, dropout,
     * linear), which every network here shares.
     *
     * @return the network
     */
    public InceptionNetwork build() {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be set and positive");
        }
        Map<String, Block> stages = new LinkedHashMap<>();
        addStages(stages);
        stages.put("head", Layers.classifierHead(dropout, numClasses));
        return new InceptionNetwork(inputChannels, numClasses, stages);
    }

    /**
     * Adds the network's stages before the head, in forward order.
     *
     * @param stages where to put them, by stage name
     */
    protected abstract void addStages(Map<String, Block> stages);
}
