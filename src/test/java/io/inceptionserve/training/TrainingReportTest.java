package io.inceptionserve.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** summary.md of one fixed run, character for character: its format changes only on purpose. */
class TrainingReportTest {

    private static final String EXPECTED = """
            # clothes (googlenet-bn) trained on pics (folder)

            - Test accuracy of the shipped weights (epoch 2 (the last), stored as float16, as the service runs them): **top-1 0.5500**, top-5 0.9500, loss 1.5000
            - Best test top-1: 0.5500 at epoch 2
            - Input 96×96, 3 channel(s); 6,000,000 parameters (7,000,000 while training, with the aux heads)
            - Adam, lr 0.01 with cosine decay to 1 % over 2 epochs; batch 64; label smoothing 0.1; aux weight 0.3; augmentation crop-flip; seed 7
            - Training time 1.8 min (steps only), 129 images/s
            - Hardware: Some CPU, 4 cores, Linux 6.1 amd64, PyTorch 2.7.1 on cpu(), DJL 0.34.0, 2 intra-op threads

            ## Epochs

            ![loss](loss.png)

            ![accuracy](accuracy.png)

            | epoch | lr | train loss | train acc | test loss | test top-1 | test top-5 | img/s | train s |
            |---:|---:|---:|---:|---:|---:|---:|---:|---:|
            | 1 | 1.00e-02 | 2.5000 | 0.4000 | 1.9000 | 0.4500 | 0.9000 | 121 | 60 |
            | 2 | 1.00e-04 | 1.2500 | 0.6000 | 1.5000 | 0.5500 | 0.9500 | 140 | 50 |

            ## Per-class test accuracy

            | class | training images | accuracy |
            |---|---:|---:|
            | cat | 60 | 0.7500 |
            | dog | 40 | 0.6667 |

            ## Confusion matrix (rows: true class, columns: predicted)

            ![confusion matrix](confusion-matrix.png)

            | true \\ predicted | cat | dog |
            |---|---:|---:|
            | cat | 3 | 1 |
            | dog | 2 | 4 |

            All options are in `summary.json`.
            """;

    @TempDir
    Path modelDir;

    @Test
    void summaryMarkdownHasEverySectionInItsFormat() throws IOException {
        TrainingReport.write(result());

        String markdown = Files.readString(modelDir.resolve("report/summary.md"), StandardCharsets.UTF_8);

        assertThat(markdown).isEqualTo(EXPECTED);
    }

    private TrainingResult result() {
        TrainingOptions options = Cli.options(
                "--model", "googlenet-bn",
                "--input-size", "96",
                "--channels", "3",
                "--epochs", "2",
                "--batch-size", "64",
                "--lr", "0.01",
                "--lr-schedule", "cosine",
                "--label-smoothing", "0.1",
                "--augment", "crop-flip",
                "--seed", "7",
                "--out", modelDir.toString(),
                "--name", "clothes");
        List<EpochMetrics> history = List.of(
                new EpochMetrics(1, 0.01f, 2.5, 0.4, 1.9, 0.45, 0.9, 60, 5, 120.5),
                new EpochMetrics(2, 0.0001f, 1.25, 0.6, 1.5, 0.55, 0.95, 50, 5, 140));
        Evaluation evaluation = new Evaluation(1.5, 0.55, 0.95, new int[][] {{3, 1}, {2, 4}});
        Hardware hardware = new Hardware(4, "Linux 6.1 amd64", "Some CPU", "cpu()", "PyTorch 2.7.1", "0.34.0", 2, 4096);
        return new TrainingResult(
                options,
                List.of("cat", "dog"),
                "pics (folder)",
                100,
                10,
                1,
                history,
                evaluation,
                6_000_000,
                7_000_000,
                hardware,
                modelDir,
                null,
                new int[] {60, 40},
                2);
    }
}
