package io.ssmsidecar.output;

import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What files a snapshot becomes: one file per key, plus every bundle and rendered template. Pure (no disk access
 * after {@link #load}), immutable, thread-safe. The settings it is built from were checked by the config
 * {@code Validator}; what only a snapshot can show (a key that is not a plain file name, a key that collides with
 * a bundle or template, a value a format cannot encode) is checked here, before anything is written.
 */
final class SetRenderer {
    private record BundleOut(BundleFormat format, String file, int mode) { }

    private record TemplateOut(Template template, String file, int mode) { }

    private final Path dir;
    private final int fileMode;
    private final List<BundleOut> bundles;
    private final List<TemplateOut> templates;
    private final int templateMaxBytes;

    private SetRenderer(Path dir, int fileMode, List<BundleOut> bundles, List<TemplateOut> templates,
                        int templateMaxBytes) {
        this.templateMaxBytes = templateMaxBytes;
        this.dir = dir;
        this.fileMode = fileMode;
        this.bundles = List.copyOf(bundles);
        this.templates = List.copyOf(templates);
    }

    /**
     * The renderer for {@code options}: reads and parses the templates.
     *
     * @throws OutputConfigException naming a template that cannot be read or parsed
     * @throws OutputException       for a bundle kind no {@link BundleFormat} has
     */
    static SetRenderer load(OutputOptions options) throws OutputException {
        List<BundleOut> bundles = new ArrayList<>();
        for (OutputOptions.Bundle b : options.bundles()) {
            bundles.add(new BundleOut(BundleFormat.of(b.kind()), b.file(), b.mode()));
        }
        List<TemplateOut> templates = new ArrayList<>();
        for (OutputOptions.Template t : options.templates()) {
            templates.add(new TemplateOut(Template.load(t.source()), t.dest(), t.mode()));
        }
        return new SetRenderer(options.dir(), options.fileMode(), bundles, templates, options.templateMaxBytes());
    }

    int bundleCount() {
        return bundles.size();
    }

    int templateCount() {
        return templates.size();
    }

    /** Why {@code value} of {@code key} cannot be written (a binary value and a bundle of text lines), or null. */
    String cannotCarry(String key, SecretValue value) {
        if (!value.isBinary()) {
            return null;
        }
        for (BundleOut b : bundles) {
            if (b.format().linesOfText()) {
                return b.format().kind() + " bundle " + b.file() + ": " + BundleFormat.binaryReason(key);
            }
        }
        return null;
    }

    /** Whether a bundle or template is written to {@code name}. */
    boolean writes(String name) {
        return bundles.stream().anyMatch(b -> b.file().equals(name))
                || templates.stream().anyMatch(t -> t.file().equals(name));
    }

    /**
     * The files of {@code snapshot}: the per-key files first, then bundles, then templates.
     *
     * @throws OutputException naming the key, bundle or template and the reason, never a value
     */
    List<OutputFile> render(Snapshot snapshot) throws OutputException {
        Map<String, SecretValue> values = new LinkedHashMap<>();
        List<OutputFile> files = new ArrayList<>();
        for (Map.Entry<String, Secret> e : snapshot.secrets().entrySet()) {
            String key = e.getKey();
            FileNames.requirePlain("key", key);
            for (BundleOut b : bundles) {
                if (b.file().equals(key)) {
                    throw new OutputException("key " + key + " and the " + b.format().kind() + " bundle would both be"
                            + " written to " + dir.resolve(key) + "; rename the bundle file");
                }
            }
            for (TemplateOut t : templates) {
                if (t.file().equals(key)) {
                    throw new OutputException("key " + key + " and template " + t.template().source() + " would both"
                            + " be written to " + dir.resolve(key) + "; rename the template destination");
                }
            }
            values.put(key, e.getValue().value());
            files.add(new OutputFile(key, e.getValue().value().utf8(), fileMode));
        }
        for (BundleOut b : bundles) {
            try {
                files.add(new OutputFile(b.file(), b.format().render(values), b.mode()));
            } catch (OutputConfigException e) {
                throw new OutputConfigException(b.format().kind() + " bundle " + b.file() + ": " + e.getMessage(), null);
            } catch (OutputException e) {
                throw new OutputException(b.format().kind() + " bundle " + b.file() + ": " + e.getMessage());
            }
        }
        for (TemplateOut t : templates) {
            files.add(new OutputFile(t.file(), t.template().render(values, templateMaxBytes), t.mode()));
        }
        return files;
    }
}
