package io.inceptionserve.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Dockerfile read the way the builder reads it: comment lines dropped, continued lines joined,
 * instructions grouped into stages, {@code ${ARG}} defaults of the global ARGs resolved in FROM.
 */
record Dockerfile(Path path, Map<String, String> globalArgs, List<Stage> stages) {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}");

    static Dockerfile read(Path path) throws IOException {
        List<Instruction> instructions = instructions(Files.readAllLines(path));
        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        for (Instruction instruction : instructions) {
            if (instruction.is("FROM")) {
                String[] words = instruction.arguments().split("\\s+");
                String image = resolve(words[0], globalArgs);
                String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                stages.add(new Stage(name, image, new ArrayList<>()));
            } else if (stages.isEmpty()) {
                if (!instruction.is("ARG")) {
                    throw new IllegalStateException(path + ": " + instruction + " before the first FROM");
                }
                globalArgs.putAll(assignments(instruction.arguments()));
            } else {
                stages.get(stages.size() - 1).instructions().add(instruction);
            }
        }
        return new Dockerfile(path, globalArgs, stages);
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Optional<Stage> stage(String name) {
        return stages.stream().filter(stage -> name.equals(stage.name())).findFirst();
    }

    /** Images pulled from a registry: every stage base that is not an earlier stage. */
    List<String> externalImages() {
        List<String> images = new ArrayList<>();
        List<String> earlierStages = new ArrayList<>();
        for (Stage stage : stages) {
            if (!earlierStages.contains(stage.image())) {
                images.add(stage.image());
            }
            if (stage.name() != null) {
                earlierStages.add(stage.name());
            }
        }
        return images;
    }

    /** One build stage. */
    record Stage(String name, String image, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream()
                    .filter(instruction -> instruction.is(keyword))
                    .toList();
        }

        /** The stage's ENV settings, later ones winning. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            all("ENV").forEach(instruction -> env.putAll(assignments(instruction.arguments())));
            return env;
        }

        /** The stage's ARG names with their defaults ("" when none). */
        Map<String, String> args() {
            Map<String, String> args = new LinkedHashMap<>();
            all("ARG").forEach(instruction -> args.putAll(assignments(instruction.arguments())));
            return args;
        }

        Optional<String> user() {
            List<Instruction> users = all("USER");
            return users.isEmpty()
                    ? Optional.empty()
                    : Optional.of(users.get(users.size() - 1).arguments());
        }

        /** The HEALTHCHECK command in exec form, if the stage has one. */
        Optional<List<String>> healthcheck() {
            return all("HEALTHCHECK").stream().findFirst().map(instruction -> {
                String arguments = instruction.arguments();
                String json = arguments.substring(arguments.indexOf("CMD ") + 4).trim();
                return JsonMapper.builder().build().readValue(json, new TypeReference<List<String>>() {});
            });
        }
    }

    /** One instruction, its continuation lines joined. */
    record Instruction(String keyword, String arguments) {

        boolean is(String other) {
            return keyword.equals(other);
        }

        @Override
        public String toString() {
            return keyword + " " + arguments;
        }
    }

    private static List<Instruction> instructions(List<String> lines) {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            boolean continued = trimmed.endsWith("\\");
            current.append(continued ? trimmed.substring(0, trimmed.length() - 1) : trimmed)
                    .append(' ');
            if (!continued) {
                String[] parts = current.toString().strip().split("\\s+", 2);
                instructions.add(new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""));
                current.setLength(0);
            }
        }
        return instructions;
    }

    /** {@code KEY=value KEY2="quoted value" KEY3}, as ENV and ARG write them. */
    private static Map<String, String> assignments(String arguments) {
        Map<String, String> result = new LinkedHashMap<>();
        Matcher matcher = Pattern.compile("(\\w+)(?:=(\"[^\"]*\"|\\S*))?").matcher(arguments);
        while (matcher.find()) {
            String value = matcher.group(2) == null ? "" : matcher.group(2);
            result.put(matcher.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
        }
        return result;
    }

    private static String resolve(String text, Map<String, String> args) {
        return VARIABLE.matcher(text).replaceAll(match -> {
            String value = args.get(match.group(1));
            if (value == null) {
                throw new IllegalStateException("no ARG default for " + match.group());
            }
            return Matcher.quoteReplacement(value);
        });
    }
}
