package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * First step of shutting down: readiness reports out of service while requests are still served,
 * for {@code inception.shutdown.drain-delay}, so a load balancer polling readiness stops sending
 * before the web server stops accepting. The graceful web server shutdown that follows then only
 * has in-flight requests to finish, and no request the client already sent is lost.
 */
@Component
class ShutdownDrain implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ShutdownDrain.class);

    private final ApplicationEventPublisher events;
    private final Duration drainDelay;
    private volatile boolean running;

    ShutdownDrain(ApplicationEventPublisher events, InceptionProperties properties) {
        this.events = events;
        this.drainDelay = properties.shutdown().drainDelay();
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        if (!drainDelay.isZero() && !drainDelay.isNegative()) {
            log.info("Readiness is out of service; still serving for {} before shutting down", drainDelay);
            try {
                Thread.sleep(drainDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Not stopped when the context is only paused (as Spring's test context cache does between
     * test classes): the readiness it turns off would stay off when the context resumes.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    /** Stops before everything else, the graceful web server shutdown included. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
