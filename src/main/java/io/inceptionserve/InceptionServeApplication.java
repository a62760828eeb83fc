package io.inceptionserve;

import io.inceptionserve.model.OfflineEngine;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the classification service. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class InceptionServeApplication {

    /**
     * Serves, unless the arguments name a task such as {@code train} or {@code import}, or ask for
     * help or the version: those are answered without starting Spring.
     */
    public static void main(String[] args) {
        Commands.Outcome outcome = Commands.run(args);
        if (!outcome.serves()) {
            System.exit(outcome.exitCode());
        }
        // Loading libtorch's natives takes about half a second: beside Spring's start, not after it.
        Thread engine = new Thread(OfflineEngine::pytorch, "engine-load");
        engine.setDaemon(true);
        engine.start();
        SpringApplication.run(InceptionServeApplication.class, outcome.springArguments());
    }
}
