package io.inceptionserve.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NavigableSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class VersionPolicyTest {

    private static final NavigableSet<Long> AVAILABLE = new TreeSet<>(java.util.List.of(1L, 2L, 5L, 7L));

    @Test
    void latestServesTheNewestN() {
        assertThat(VersionPolicy.parse("latest:2").select(AVAILABLE)).containsExactly(5L, 7L);
        assertThat(VersionPolicy.parse("latest").select(AVAILABLE)).containsExactly(7L);
        assertThat(VersionPolicy.parse("latest:10").select(AVAILABLE)).containsExactly(1L, 2L, 5L, 7L);
        assertThat(VersionPolicy.DEFAULT.select(AVAILABLE)).containsExactly(7L);
    }

    @Test
    void allServesEveryVersion() {
        assertThat(VersionPolicy.parse("all").select(AVAILABLE)).containsExactly(1L, 2L, 5L, 7L);
    }

    @Test
    void specificServesTheListedOnesThatExist() {
        assertThat(VersionPolicy.parse("specific:2, 7,9").select(AVAILABLE)).containsExactly(2L, 7L);
        assertThat(VersionPolicy.parse("specific:9").select(AVAILABLE)).isEmpty();
    }

    @Test
    void writtenBackAsRead() {
        for (String policy : java.util.List.of("all", "latest:3", "specific:1,5,7")) {
            assertThat(VersionPolicy.parse(policy)).hasToString(policy);
        }
    }

    @Test
    void badPoliciesSayWhatIsWrong() {
        assertThatThrownBy(() -> VersionPolicy.parse("newest:2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'latest:<n>', 'all' or 'specific:<v>,<v>'");
        assertThatThrownBy(() -> VersionPolicy.parse("latest:0")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> VersionPolicy.parse("latest:two")).hasMessageContaining("'two' is not a number");
        assertThatThrownBy(() -> VersionPolicy.parse("specific:1,x")).hasMessageContaining("'1,x' is not a number");
        assertThatThrownBy(() -> VersionPolicy.parse("specific:0")).hasMessageContaining("positive");
        assertThatThrownBy(() -> VersionPolicy.parse("all:1")).hasMessageContaining("'all' takes no versions");
    }
}
