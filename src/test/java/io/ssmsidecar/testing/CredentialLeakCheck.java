package io.ssmsidecar.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link LocalSsm} (its STS included) and the {@link Log} captured at DEBUG for each test, with one leak check
 * for tests that assume roles. Built with each test instance, as {@link LocalSsmExtension} is, so fields can hold
 * {@link #ssm()}. After the test's own {@code @AfterEach} methods, it closes what the test registered (last first),
 * local-ssm and the log, then fails the test if the log holds any of the given marks or any secret key or session
 * token local-ssm's STS issued, or if what else it was asked to search (a command's output, a metrics scrape) does.
 * <pre>{@code
 * @RegisterExtension
 * final CredentialLeakCheck leaks = new CredentialLeakCheck(MARK);
 * private final LocalSsm ssm = leaks.ssm();
 * }</pre>
 */
public final class CredentialLeakCheck implements BeforeEachCallback, AfterEachCallback {
    private final List<String> marks;
    private final Supplier<String> alsoSearched;
    private final LocalSsm ssm;
    private final Deque<AutoCloseable> closing = new ArrayDeque<>();
    private CapturedLog log;

    /** @param marks text no log line may contain (a secret value's mark, the task's own secret key) */
    public CredentialLeakCheck(String... marks) {
        this(() -> "", marks);
    }

    /**
     * @param alsoSearched read once everything is closed and searched with the log (output, metrics scrapes)
     * @param marks        text neither may contain
     */
    public CredentialLeakCheck(Supplier<String> alsoSearched, String... marks) {
        this.alsoSearched = alsoSearched;
        this.marks = List.of(marks);
        try {
            ssm = LocalSsm.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            while (!closing.isEmpty()) {
                closing.pop().close();
            }
        } finally {
            ssm.close();
            log.close();
        }
        String text = log.text() + alsoSearched.get();
        for (String mark : marks) {
            assertThat(text).as("no value in logs, output or metrics").doesNotContain(mark);
        }
        for (String secret : ssm.issuedSessionSecrets()) {
            assertThat(text).as("a session secret key or token in the log").doesNotContain(secret);
        }
    }

    public LocalSsm ssm() {
        return ssm;
    }

    /** Everything logged so far in this test. */
    public String logged() {
        return log.text();
    }

    /** Closed after the test, before local-ssm, in the reverse order of registration. */
    public <T extends AutoCloseable> T closeAfter(T resource) {
        closing.push(resource);
        return resource;
    }
}
