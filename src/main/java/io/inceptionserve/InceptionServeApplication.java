package io.inceptionserve;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the classification service. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class InceptionServeApplication {

    public static void main(String[] args) {
        SpringApplication.run(InceptionServeApplication.class, args);
    }
}
