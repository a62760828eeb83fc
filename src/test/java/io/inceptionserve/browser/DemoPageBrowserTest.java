package io.inceptionserve.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.inceptionserve.oip.OipClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/** The demo page at {@code /}, used the way a person would: pick a model, upload, read the bars. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoPageBrowserTest {

    private static final String MODEL = "inception-v2";

    @Value("${local.server.port}")
    int port;

    Browser browser;
    WebDriver page;

    @BeforeAll
    void start() throws Exception {
        browser = Browser.start();
        page = browser.driver();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Opens the page and waits until it lists the model as ready, as a person would. */
    @BeforeEach
    void openPageWithReadyModel() {
        page.get("http://localhost:" + port + "/");
        // The page refreshes its model list while models load, so an option seen may be replaced.
        browser.waitUpTo(Duration.ofMinutes(3))
                .ignoring(StaleElementReferenceException.class)
                .until(driver -> driver.findElements(By.cssSelector("#model option")).stream()
                        .anyMatch(o -> o.getAttribute("value").equals(MODEL)
                                && o.getText().contains("ready")));
        new Select(page.findElement(By.id("model"))).selectByValue(MODEL);
    }

    @AfterEach
    void nothingWasRefusedByTheContentSecurityPolicy() {
        assertThat(browser.securityPolicyViolations()).isEmpty();
    }

    @Test
    void classifiesUploadedImagesWithTopFiveBars() throws Exception {
        page.findElement(By.id("images"))
                .sendKeys(Browser.testResource("images/ankle-boot.png") + "\n"
                        + Browser.testResource("images/pullover.jpg"));
        page.findElement(By.id("classify")).click();

        List<WebElement> results = browser.waitUpTo(Duration.ofSeconds(60))
                .until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#results .result"), 2));
        browser.screenshot("demo-page");

        assertThat(page.findElement(By.cssSelector("#results .summary")).getText())
                .contains(MODEL);
        Map<String, String> files =
                Map.of("ankle-boot.png", "images/ankle-boot.png", "pullover.jpg", "images/pullover.jpg");
        for (WebElement result : results) {
            String filename = result.findElement(By.tagName("h2")).getText();
            assertThat(files).containsKey(filename);
            assertThat(result.findElement(By.tagName("img")).getAttribute("naturalWidth"))
                    .isNotEqualTo("0");
            assertThat(result.findElement(By.className("latency")).getText())
                    .contains("inference")
                    .contains("round trip");

            List<WebElement> bars = result.findElements(By.cssSelector("li.prediction"));
            assertThat(bars).hasSize(5);
            List<Double> percents = new ArrayList<>();
            List<Integer> widths = new ArrayList<>();
            for (WebElement bar : bars) {
                assertThat(bar.findElement(By.className("label")).getText()).isNotBlank();
                percents.add(Double.parseDouble(
                        bar.findElement(By.className("probability")).getText().replace(" %", "")));
                widths.add(
                        bar.findElement(By.cssSelector(".bar span")).getSize().getWidth());
            }
            assertThat(percents).allSatisfy(p -> assertThat(p).isBetween(0.0, 100.0));
            assertThat(percents).isSortedAccordingTo((a, b) -> Double.compare(b, a));
            assertThat(widths.get(0)).as("the top bar is drawn").isPositive();
            assertThat(widths).as("bars are as long as their probabilities").isSortedAccordingTo((a, b) -> b - a);

            // The page shows what the model computes: the same top class as the protocol endpoint.
            String top = topClass(Files.readAllBytes(Path.of("src/test/resources", files.get(filename))));
            String[] scoreIndexLabel = top.split(":", 3);
            assertThat(bars.get(0).findElement(By.className("label")).getText()).isEqualTo(scoreIndexLabel[2]);
            assertThat(percents.get(0)).isCloseTo(Double.parseDouble(scoreIndexLabel[0]) * 100, within(0.051));
        }
    }

    /**
     * The shipped samples classify with one click, and the page says what the model knows: the
     * cat, a class no bundled model has seen, is still filed under one of its clothing classes.
     * Its screenshot is the README's picture of the page.
     */
    @Test
    void aSampleIsClassifiedWithOneClickAndThePageSaysWhatTheModelKnows() throws Exception {
        assertThat(page.findElement(By.id("model-note")).getText())
                .contains("Fashion-MNIST")
                .contains("10 classes");
        List<WebElement> samples = browser.waitUpTo(Duration.ofSeconds(30))
                .until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#sample-list .sample"), 6));
        WebElement cat = samples.stream()
                .filter(sample -> sample.getText().contains("cat"))
                .findFirst()
                .orElseThrow();

        cat.click();

        WebElement result = browser.waitUpTo(Duration.ofSeconds(60))
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#results .result")));
        assertThat(result.findElement(By.tagName("h2")).getText()).isEqualTo("cat.jpg");
        assertThat(result.findElement(By.tagName("img")).getAttribute("naturalWidth"))
                .isNotEqualTo("0");
        List<WebElement> bars = result.findElements(By.cssSelector("li.prediction"));
        assertThat(bars).hasSize(5);
        String top = topClass(Files.readAllBytes(Path.of("samples/cat.jpg")));
        assertThat(bars.get(0).findElement(By.className("label")).getText()).isEqualTo(top.split(":", 3)[2]);
        Path screenshot = browser.screenshot("demo-page-sample");
        String readmePicture = System.getProperty("demo.screenshot");
        if (readmePicture != null) {
            Files.copy(screenshot, Path.of(readmePicture), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void droppedImageIsClassified() throws Exception {
        // A synthetic drop of a canvas-drawn PNG, as a file dragged from the desktop arrives.
        ((JavascriptExecutor) page).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const canvas = document.createElement('canvas');
                canvas.width = 40;
                canvas.height = 30;
                const g = canvas.getContext('2d');
                g.fillStyle = '#888';
                g.fillRect(10, 5, 20, 20);
                canvas.toBlob(blob => {
                  const files = new DataTransfer();
                  files.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
                  document.getElementById('dropzone').dispatchEvent(
                      new DragEvent('drop', {dataTransfer: files, bubbles: true, cancelable: true}));
                  done();
                }, 'image/png');
                """);

        WebElement result = browser.waitUpTo(Duration.ofSeconds(60))
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#results .result")));
        assertThat(result.findElement(By.tagName("h2")).getText()).isEqualTo("dropped.png");
        assertThat(result.findElements(By.cssSelector("li.prediction"))).hasSize(5);
    }

    @Test
    void refusedUploadShowsTheProblemReadably(@TempDir Path temp) throws Exception {
        Path notes = Files.writeString(temp.resolve("notes.txt"), "not an image");

        page.findElement(By.id("images")).sendKeys(notes.toString());
        page.findElement(By.id("classify")).click();

        WebElement alert = browser.waitUpTo(Duration.ofSeconds(60))
                .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#error[role=alert]")));
        browser.screenshot("demo-page-error");
        assertThat(alert.getText())
                .contains("415")
                .contains("Unsupported image format")
                .contains("not in an image format");
    }

    private String topClass(byte[] image) {
        OipClient oip = new OipClient(port);
        JsonNode answer = OipClient.json(oip.infer(
                MODEL,
                Map.of(
                        "inputs",
                                List.of(OipClient.input(
                                        "image",
                                        List.of(1),
                                        "BYTES",
                                        List.of(Base64.getEncoder().encodeToString(image)))),
                        "outputs",
                                List.of(Map.of("name", "probabilities", "parameters", Map.of("classification", 1))))));
        return answer.get("outputs").get(0).get("data").get(0).asString();
    }
}
