package io.inceptionserve.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.inceptionserve.oip.OipClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Swagger UI's "Try it out" on POST /classify, clicked through in a real browser. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwaggerUiBrowserTest {

    @Value("${local.server.port}")
    int port;

    /** Swagger UI names an operation's block after its tag and operation id. */
    private static final String OPERATION = "#operations-Classification-classifyUpload";

    Browser browser;

    @BeforeAll
    void start() throws Exception {
        browser = Browser.start();
        new OipClient(port).awaitReady(Duration.ofMinutes(3));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void tryItOutClassifiesAnUploadedFile() throws Exception {
        WebDriver page = browser.driver();
        page.get("http://localhost:" + port + "/swagger-ui.html");
        WebElement operation = visible(OPERATION);

        operation.findElement(By.cssSelector(".opblock-summary-control")).click();
        visible(OPERATION + " .try-out__btn").click();
        visible(OPERATION + " tr[data-param-name='model'] input").sendKeys("googlenet");
        visible(OPERATION + " tr[data-param-name='topK'] input").sendKeys("3");
        page.findElement(By.cssSelector(OPERATION + " tr[data-property-name='image'] input[type='file']"))
                .sendKeys(Browser.testResource("images/pullover.jpg"));
        visible(OPERATION + " button.execute").click();

        WebElement status = visible(OPERATION + " .live-responses-table tr.response .response-col_status");
        String body = visible(OPERATION + " .live-responses-table tr.response .response-col_description pre.microlight")
                .getText();
        browser.scrollTo(status);
        browser.screenshot("swagger-ui-try-it-out");
        // The cell reads "200" with a line below it saying whether the API documents that code.
        assertThat(status.getText().lines().findFirst()).as(body).hasValue("200");
        JsonNode answer = JsonMapper.builder().build().readTree(body);
        assertThat(answer.get("model").asString()).isEqualTo("googlenet");
        JsonNode image = answer.get("images").get(0);
        assertThat(image.get("filename").asString()).isEqualTo("pullover.jpg");
        assertThat(image.get("predictions")).hasSize(3);
        for (JsonNode prediction : image.get("predictions")) {
            assertThat(prediction.get("probability").asDouble()).isBetween(0.0, 1.0);
            assertThat(prediction.get("label").asString()).isNotBlank();
        }
        assertThat(browser.securityPolicyViolations())
                .as("refused by the Content-Security-Policy")
                .isEmpty();
    }

    private WebElement visible(String css) {
        return browser.waitUpTo(Duration.ofSeconds(30))
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }
}
