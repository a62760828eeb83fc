package io.inceptionserve;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the classification service. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class InceptionServeApplication {

    /** Serves, unless the first argument names a task such as {@code train} or {@code import}. */
    public static void main(String[] args) {
        if (Commands.isCommand(args)) {
            System.exit(Commands.run(args));
        }
        SpringApplication.run(InceptionServeApplication.class, args);
    }
}
