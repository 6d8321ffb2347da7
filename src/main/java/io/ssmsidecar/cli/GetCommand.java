package io.ssmsidecar.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.ExitCode;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.StartupLoader;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code get KEY_OR_REF}: prints one resolved value, for scripts and debugging. */
public final class GetCommand implements Command {
    @Override
    public String name() {
        return "get";
    }

    @Override
    public String summary() {
        return "Print one resolved value (by key or ssm:// reference) to stdout";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar get KEY_OR_REFERENCE [FLAGS]\n\n"
                + "Resolves one secret and prints it to stdout exactly, with no newline added:\n"
                + "  ssm-sidecar get DB_PASSWORD                   (an environment variable holding an ssm:// reference)\n"
                + "  ssm-sidecar get ssm:///prod/db/password:3\n"
                + "  ssm-sidecar get 'ssm:///prod/db#password'\n"
                + "A path reference (ssm:///prod/app/*) prints a JSON object of key -> value.\n"
                + "Exit codes as for init (3: not found/denied, 4: SSM unavailable).\n\n"
                + SettingsLoader.help(name());
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> flags = new ArrayList<>(args);
        String target = null;
        for (int i = 0; i < flags.size(); i++) {
            if (!flags.get(i).startsWith("--") && (i == 0 || !takesValue(flags.get(i - 1)))) {
                target = flags.remove(i);
                break;
            }
        }
        if (target == null) {
            err.println("ssm-sidecar get: missing KEY_OR_REFERENCE, e.g. 'ssm-sidecar get DB_PASSWORD' or "
                    + "'ssm-sidecar get ssm:///prod/db/password'");
            return ExitCode.CONFIG.code();
        }
        try {
            Settings settings = CommandSupport.settings(name(), flags, env, err);
            Reference ref = reference(target, env, err);
            Clock clock = Clock.systemUTC();
            try (SsmParameterSource source = CommandSupport.source(name(), settings, env, Metrics.noop(), err)) {
                StartupLoader.Result r = StartupLoader.standard(new Resolver(source, clock), clock)
                        .load(List.of(ref), settings.refresh().startupTimeout());
                if (!r.ok()) {
                    return CommandSupport.reportLoadFailure(name(), r, settings.refresh().startupTimeout(),
                            "Nothing was printed to stdout.", err).code();
                }
                if (!ref.isPrefix()) {
                    Secret s = r.secrets().get(ref.key());
                    if (s == null) {
                        err.println("ssm-sidecar get: optional secret " + ref.raw() + " does not exist");
                        return ExitCode.SECRETS.code();
                    }
                    out.print(s.value().reveal());
                } else {
                    ObjectNode json = Jackson.mapper().createObjectNode();
                    r.secrets().forEach((k, s) -> json.put(k, s.value().reveal()));
                    out.println(json.toPrettyString());
                }
                out.flush();
                return ExitCode.OK.code();
            }
        } catch (CommandFailure f) {
            return f.code().code();
        }
    }

    private static boolean takesValue(String flag) {
        return flag.startsWith("--") && !flag.contains("=") && !flag.equals("--http-allow-remote");
    }

    private static Reference reference(String target, Map<String, String> env, PrintStream err) throws CommandFailure {
        // A raw path reference prints its keys without a prefix (the "_" variable rule).
        String key = target.endsWith("/*") || target.contains("/*?") ? "_" : "VALUE";
        String value = target;
        if (!Reference.isReference(target)) {
            value = env.get(target);
            key = target;
            if (!Reference.isReference(value)) {
                err.println("ssm-sidecar get: '" + target + "' is neither an ssm:// reference nor an environment variable "
                        + "holding one");
                throw new CommandFailure(ExitCode.CONFIG);
            }
        }
        try {
            return ReferenceParser.parse(key, value);
        } catch (ReferenceException e) {
            err.println("ssm-sidecar get: " + e.getMessage());
            throw new CommandFailure(ExitCode.CONFIG);
        }
    }
}
