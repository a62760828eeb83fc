package io.inceptionserve.repository;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which versions of a model are served, as Triton's {@code version_policy}: the newest {@code n},
 * all of them, or the listed ones. Written {@code latest:2}, {@code all}, {@code specific:1,3}.
 *
 * @param kind which rule
 * @param latest how many of the newest versions {@code latest} serves
 * @param specific the versions {@code specific} serves
 */
public record VersionPolicy(Kind kind, int latest, Set<Long> specific) {

    /** Triton's default: the newest version only. */
    public static final VersionPolicy DEFAULT = new VersionPolicy(Kind.LATEST, 1, Set.of());

    public enum Kind {
        LATEST,
        ALL,
        SPECIFIC
    }

    public VersionPolicy {
        specific = Set.copyOf(specific);
    }

    /**
     * Reads a policy as written in a setting.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static VersionPolicy parse(String text) {
        String[] parts = text.strip().split(":", 2);
        String kind = parts[0].strip().toLowerCase(Locale.ROOT);
        String argument = parts.length > 1 ? parts[1].strip() : "";
        try {
            return switch (kind) {
                case "all" -> {
                    if (!argument.isEmpty()) {
                        throw new IllegalArgumentException("'all' takes no versions");
                    }
                    yield new VersionPolicy(Kind.ALL, 0, Set.of());
                }
                case "latest" -> {
                    int n = argument.isEmpty() ? 1 : Integer.parseInt(argument);
                    if (n < 1) {
                        throw new IllegalArgumentException("'latest' needs at least 1 version, was " + n);
                    }
                    yield new VersionPolicy(Kind.LATEST, n, Set.of());
                }
                case "specific" -> {
                    List<Long> versions = Arrays.stream(argument.split(","))
                            .map(String::strip)
                            .map(Long::parseLong)
                            .toList();
                    if (versions.stream().anyMatch(v -> v < 1)) {
                        throw new IllegalArgumentException("versions are positive numbers");
                    }
                    yield new VersionPolicy(Kind.SPECIFIC, 0, Set.copyOf(versions));
                }
                default ->
                    throw new IllegalArgumentException("the policy is 'latest:<n>', 'all' or 'specific:<v>,<v>'");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + argument + "' is not a number or list of numbers", e);
        }
    }

    /** The versions to serve out of those {@code available}. */
    public NavigableSet<Long> select(NavigableSet<Long> available) {
        TreeSet<Long> selected = new TreeSet<>();
        switch (kind) {
            case ALL -> selected.addAll(available);
            case LATEST -> available.descendingSet().stream().limit(latest).forEach(selected::add);
            case SPECIFIC -> available.stream().filter(specific::contains).forEach(selected::add);
        }
        return selected;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case LATEST -> "latest:" + latest;
            case SPECIFIC -> "specific:" + new TreeSet<>(specific).toString().replaceAll("[\\[\\] ]", "");
        };
    }
}
