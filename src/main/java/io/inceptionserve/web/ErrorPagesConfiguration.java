package io.inceptionserve.web;

import io.inceptionserve.config.InceptionProperties;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Host;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Refusals made before the controllers answer in problem+json too: Tomcat's own error report is
 * replaced by {@link ProblemReportValve}, and a URL Spring Security's firewall rejects reaches
 * {@link ErrorPageController} with the firewall's reason.
 */
@Configuration(proxyBeanMethods = false)
class ErrorPagesConfiguration {

    @Bean
    ValveInstaller problemReportValve() {
        return new ValveInstaller();
    }

    /**
     * Tomcat cuts a body after its connection timeout without a byte unless told otherwise; here a
     * body is judged by its rate and the request's deadline ({@link BodyReadingFilter}), so
     * Tomcat's own cut comes only after the deadline, as a backstop.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> uploadTimeout(InceptionProperties properties) {
        int millis =
                (int) properties.inference().requestTimeout().plusSeconds(1).toMillis();
        return factory -> factory.addConnectorCustomizers(connector -> {
            connector.setProperty("disableUploadTimeout", "false");
            connector.setProperty("connectionUploadTimeout", String.valueOf(millis));
        });
    }

    /** The default handler answers 400 without saying why. */
    @Bean
    RequestRejectedHandler requestRejectedHandler() {
        return (request, response, rejected) ->
                response.sendError(HttpServletResponse.SC_BAD_REQUEST, rejected.getMessage());
    }

    /** Runs after Spring Boot's own customizer, which adds Tomcat's valve. */
    static final class ValveInstaller implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

        @Override
        public void customize(TomcatServletWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                Host host = (Host) context.getParent();
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                host.getPipeline().addValve(new ProblemReportValve());
                if (host instanceof StandardHost standard) {
                    standard.setErrorReportValveClass(ProblemReportValve.class.getName());
                }
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
