package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties;
import jakarta.servlet.DispatcherType;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.servlet.autoconfigure.MultipartProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.multipart.MultipartResolver;

/**
 * Request bodies on the paths the APIs declare ({@link BodyReadingPaths}) are received by {@link
 * BodyReadingFilter} and split into parts by {@link ReceivedMultipartResolver}, with the limits of
 * {@code spring.servlet.multipart.*} and {@code inception.reliability.*}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MultipartProperties.class)
class BodyReadingConfiguration {

    /** After Spring Security's filters (order -100): who may not call is refused before a byte is read. */
    private static final int ORDER = 0;

    @Bean
    FilterRegistrationBean<BodyReadingFilter> bodyReadingFilter(
            InceptionProperties properties,
            MultipartProperties multipart,
            RequestArrival arrival,
            ErrorWriters errorWriters,
            ObjectProvider<BodyReadingPaths> paths) {
        BodyReadingFilter filter = new BodyReadingFilter(
                multipart.getMaxRequestSize().toBytes(), arrival, errorWriters, properties.reliability());
        FilterRegistrationBean<BodyReadingFilter> registration = new FilterRegistrationBean<>(filter);
        List<String> urlPatterns = paths.orderedStream()
                .flatMap(declared -> declared.urlPatterns().stream())
                .toList();
        registration.setUrlPatterns(urlPatterns);
        // Without patterns a registration covers every path.
        registration.setEnabled(!urlPatterns.isEmpty());
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.setAsyncSupported(true);
        registration.setOrder(ORDER);
        return registration;
    }

    @Bean(name = "multipartResolver")
    MultipartResolver multipartResolver(InceptionProperties properties, MultipartProperties multipart) {
        return new ReceivedMultipartResolver(
                multipart.getMaxFileSize().toBytes(),
                multipart.getMaxRequestSize().toBytes(),
                properties.reliability());
    }
}
