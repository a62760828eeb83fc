/**
 * The serving core, without Spring: models loaded onto their devices and warmed up, a queue per
 * model, batching workers, and the forward threads each device shares among its models. Its one
 * entry point is {@link io.inceptionserve.serving.ServingCore#submit}: prepared images in, a
 * cancellable future of their scores out. The {@code inference} package adapts it to Spring.
 */
package io.inceptionserve.serving;
