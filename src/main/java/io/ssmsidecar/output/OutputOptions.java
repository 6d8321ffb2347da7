package io.ssmsidecar.output;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * What {@link OutputDirectory} writes and how: the directory, the mode and owner of the per-key files, and the
 * bundles and templates written with them. The composition root builds it from settings the config
 * {@code Validator} checked (modes, bundle kinds, plain and distinct file names); {@link OutputDirectory} does not
 * check them again.
 *
 * @param dir       the output directory ({@code SIDECAR_OUTPUT_DIR})
 * @param fileMode  permission bits of the per-key files, 0400 to 0777 (default 0440)
 * @param uid       owner to give every written file, if any ({@code SIDECAR_FILE_UID})
 * @param gid       group to give every written file, if any ({@code SIDECAR_FILE_GID})
 * @param bundles   bundle files written with every set ({@code SIDECAR_BUNDLES})
 * @param templates templates rendered with every set ({@code SIDECAR_TEMPLATES})
 * @param templateMaxBytes the most a template may render to ({@code SIDECAR_TEMPLATE_MAX_BYTES})
 */
public record OutputOptions(Path dir, int fileMode, OptionalInt uid, OptionalInt gid,
                            List<Bundle> bundles, List<Template> templates, int templateMaxBytes) {

    /** {@code SIDECAR_TEMPLATE_MAX_BYTES}'s default (declared on its option), for {@link #of}. */
    static final int DEFAULT_TEMPLATE_MAX_BYTES = 4 * 1024 * 1024;

    /** One bundle file: {@code kind} is env, dotenv, properties or json; {@code file} a name in the output dir. */
    public record Bundle(String kind, String file, int mode) { }

    /** One template: rendered from {@code source} to {@code dest} (a name in the output dir) with {@code mode}. */
    public record Template(Path source, String dest, int mode) { }

    public OutputOptions {
        bundles = List.copyOf(bundles);
        templates = List.copyOf(templates);
    }

    /** Only per-key files in {@code dir}, mode 0440, no owner change. */
    public static OutputOptions of(Path dir) {
        return new OutputOptions(dir, 0440, OptionalInt.empty(), OptionalInt.empty(), List.of(), List.of(),
                DEFAULT_TEMPLATE_MAX_BYTES);
    }

    /** These options plus a bundle of {@code kind} (env, dotenv, properties, json) written to {@code file}. */
    public OutputOptions withBundle(String kind, String file, int mode) {
        List<Bundle> b = new ArrayList<>(bundles);
        b.add(new Bundle(kind, file, mode));
        return new OutputOptions(dir, fileMode, uid, gid, b, templates, templateMaxBytes);
    }

    /** These options plus the template {@code source} rendered to {@code dest}. */
    public OutputOptions withTemplate(Path source, String dest, int mode) {
        List<Template> t = new ArrayList<>(templates);
        t.add(new Template(source, dest, mode));
        return new OutputOptions(dir, fileMode, uid, gid, bundles, t, templateMaxBytes);
    }

    public OutputOptions withFileMode(int mode) {
        return new OutputOptions(dir, mode, uid, gid, bundles, templates, templateMaxBytes);
    }

    public OutputOptions withOwner(OptionalInt newUid, OptionalInt newGid) {
        return new OutputOptions(dir, fileMode, newUid, newGid, bundles, templates, templateMaxBytes);
    }

    public OutputOptions withTemplateMaxBytes(int maxBytes) {
        return new OutputOptions(dir, fileMode, uid, gid, bundles, templates, maxBytes);
    }
}
