package io.ssmsidecar;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.http.ApiServer;
import io.ssmsidecar.output.ChangeNotifier;
import io.ssmsidecar.output.OutputOptions;
import io.ssmsidecar.source.Routing;
import io.ssmsidecar.source.SigningCredentials;
import io.ssmsidecar.store.OnDemandFetcher;
import io.ssmsidecar.store.RefreshEngine;
import java.time.Clock;
import java.util.Optional;

/**
 * The one road from settings to components: each component declares the small options record it needs, and this
 * class, part of the composition root, builds every one of them from {@link Settings} in one place. Components never
 * see {@code Settings}; {@code output} and {@code http} do not depend on {@code config} at all. The numbers that are
 * not settings are named, with their reason, on the component's options ({@code RefreshEngine.Options.INTERVAL_JITTER},
 * {@code OnDemandFetcher.Options.MAX_WAIT}, {@code ChangeNotifier.COMMAND_TIMEOUT}, ...).
 */
public final class Wiring {
    private Wiring() { }

    /** The output directory, file mode and owner, bundles and templates. */
    public static OutputOptions output(Settings settings) {
        Settings.Output s = settings.output();
        return new OutputOptions(s.dir(), s.fileMode(), s.fileUid(), s.fileGid(),
                s.bundles().stream().map(b -> new OutputOptions.Bundle(b.kind(), b.file(), b.mode())).toList(),
                s.templates().stream().map(t -> new OutputOptions.Template(t.source(), t.dest(), t.mode())).toList(),
                s.templateMaxBytes());
    }

    /** How the API listens, with the token the caller resolved (configured or generated). */
    public static ApiServer.Options api(Settings settings, String token) {
        Settings.Http s = settings.http();
        return new ApiServer.Options(s.address(), s.port(), token, s.maxConnections(), s.allowRemote(),
                s.allowedHosts());
    }

    /** Who may call the SDK endpoint, with the credentials and clock {@code verify} checks signatures against. */
    public static ApiServer.SdkAccess sdkAccess(Settings settings, Optional<SigningCredentials> credentials,
                                                Clock clock) {
        ApiServer.SdkMode mode = switch (settings.http().sdkEndpoint()) {
            case OFF -> ApiServer.SdkMode.OFF;
            case VERIFY -> ApiServer.SdkMode.VERIFY;
            case TRUST_LOOPBACK -> ApiServer.SdkMode.TRUST_LOOPBACK;
        };
        return new ApiServer.SdkAccess(mode, credentials, clock);
    }

    /** Whom to tell about a change, and how changes coalesce. */
    public static ChangeNotifier.Options notifier(Settings settings) {
        Settings.OnChange s = settings.onChange();
        return new ChangeNotifier.Options(s.url(), s.command(), s.signal(), s.pidFile(), s.process(), s.window(),
                ChangeNotifier.COMMAND_TIMEOUT, ChangeNotifier.URL_ATTEMPTS);
    }

    /** The refresh interval, the staleness limit and the bounds of the throttling controller. */
    public static RefreshEngine.Options refresh(Settings settings) {
        Settings.Refresh r = settings.refresh();
        return RefreshEngine.Options.of(r.interval(), r.maxStaleness())
                .withThrottling(new RefreshEngine.Throttling(r.maxStretch() / 100.0, r.throttleBackoffCap()));
    }

    /** As whom and where the AWS calls go: assumed roles, failover regions, endpoints by region. */
    public static Routing routing(Settings settings) {
        Settings.Aws a = settings.aws();
        return new Routing(a.roleArn(), a.accountRoles(), a.externalId(), a.sessionName(), a.failoverRegions(),
                a.regionEndpoints());
    }

    /** The SSM calls made for HTTP requests. */
    public static OnDemandFetcher.Options onDemand(Settings settings) {
        return OnDemandFetcher.Options.of(settings.onDemand().calls(), settings.onDemand().notFoundTtl());
    }
}
