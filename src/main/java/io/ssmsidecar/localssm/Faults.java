package io.ssmsidecar.localssm;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Faults the endpoint injects into SSM operations (never into the control API). Thread-safe; change them while
 * clients run. Checked per request in this order: {@link #failNext}, {@link #throttleAbove}, {@link #errorRate},
 * then {@link #deny} on the names the request touches. {@link #latency} delays every answer, errors included.
 */
public final class Faults {
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z][A-Za-z0-9.#]{0,99}");

    /** Closes and reopens the listening socket; implemented by {@link LocalSsm}. */
    interface Listener {
        void refuse();

        void accept();

        boolean refusing();
    }

    private final Clock clock;
    private final Random random;
    private final int defaultPageSize;
    private final Listener listener;

    private Duration latency = Duration.ZERO;
    private int throttlePerSecond;
    private double tokens;
    private long lastRefillNanos;
    private double errorRate;
    private String errorCode = "InternalServerError";
    private final Map<String, String> denied = new LinkedHashMap<>();
    private int failNext;
    private String failNextCode = "InternalServerError";
    private int pageSize;
    private boolean emptyPages;

    Faults(Clock clock, Random random, int defaultPageSize, Listener listener) {
        this.clock = clock;
        this.random = random;
        this.defaultPageSize = defaultPageSize;
        this.pageSize = defaultPageSize;
        this.listener = listener;
    }

    /** Delays every SSM answer by {@code delay} (zero turns it off). The delay holds no worker thread. */
    public synchronized Faults latency(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive, got " + delay);
        }
        latency = delay;
        return this;
    }

    /**
     * Answers {@code ThrottlingException} ("Rate exceeded") to calls beyond {@code callsPerSecond}: a token bucket
     * holding one second's worth of calls, refilled by the endpoint's clock (so a fixed clock never refills). 0 turns it off.
     */
    public synchronized Faults throttleAbove(int callsPerSecond) {
        if (callsPerSecond < 0) {
            throw new IllegalArgumentException("throttle must be 0 (off) or a positive number of calls per second, got "
                    + callsPerSecond);
        }
        throttlePerSecond = callsPerSecond;
        tokens = callsPerSecond;
        lastRefillNanos = nanos(clock.instant());
        return this;
    }

    /** Answers {@code code} (e.g. {@code InternalServerError}, HTTP 500) to a random share {@code rate} (0..1) of calls. */
    public synchronized Faults errorRate(double rate, String code) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("error rate must be between 0 and 1, got " + rate);
        }
        errorRate = rate;
        errorCode = checkCode(code);
        return this;
    }

    /** Answers {@code AccessDeniedException} to any call that touches a name starting with {@code namePrefix}. */
    public Faults deny(String namePrefix) {
        return deny(namePrefix, "AccessDeniedException");
    }

    /**
     * Answers {@code code} (e.g. {@code AccessDeniedException}, {@code InvalidKeyId}) to any call that touches a name
     * starting with {@code namePrefix}: a {@code GetParameters} batch holding one such name fails as a whole, as in
     * SSM; a path listing fails when the path or any name it would return matches.
     */
    public synchronized Faults deny(String namePrefix, String code) {
        if (namePrefix == null || namePrefix.isEmpty()) {
            throw new IllegalArgumentException("deny needs a non-empty name prefix");
        }
        denied.put(namePrefix, checkCode(code));
        return this;
    }

    /** Removes the {@link #deny} rule for {@code namePrefix}. */
    public synchronized Faults allow(String namePrefix) {
        denied.remove(namePrefix);
        return this;
    }

    /** Answers {@code code} to the next {@code calls} SSM calls, whatever they are. */
    public synchronized Faults failNext(int calls, String code) {
        if (calls < 0) {
            throw new IllegalArgumentException("failNext needs a count of 0 or more, got " + calls);
        }
        failNext = calls;
        failNextCode = checkCode(code);
        return this;
    }

    /**
     * Caps {@code GetParametersByPath} pages at {@code size} items (1..10) whatever {@code MaxResults} asks, so pages
     * come back shorter than asked while more follow, as SSM's sometimes do.
     */
    public synchronized Faults pageSize(int size) {
        if (size < 1 || size > 10) {
            throw new IllegalArgumentException("page size must be between 1 and 10, got " + size);
        }
        pageSize = size;
        return this;
    }

    /**
     * When on, every other {@code GetParametersByPath} page is empty but carries a {@code NextToken}, as SSM's pages
     * sometimes are: a client that stops at the first empty page loses parameters.
     */
    public synchronized Faults emptyPages(boolean on) {
        emptyPages = on;
        return this;
    }

    /** Closes the listening socket: connections are refused (and open ones cut) until {@link #acceptConnections()}. */
    public Faults refuseConnections() {
        listener.refuse();
        return this;
    }

    /** Reopens the listening socket on the same port. */
    public Faults acceptConnections() {
        listener.accept();
        return this;
    }

    /** Removes every fault, restores the default page size and accepts connections again. */
    public Faults clear() {
        synchronized (this) {
            latency = Duration.ZERO;
            throttlePerSecond = 0;
            errorRate = 0;
            errorCode = "InternalServerError";
            denied.clear();
            failNext = 0;
            failNextCode = "InternalServerError";
            pageSize = defaultPageSize;
            emptyPages = false;
        }
        listener.accept();
        return this;
    }

    /** The current added latency (zero when off). */
    public synchronized Duration latency() {
        return latency;
    }

    /** Calls per second allowed before throttling; 0 when off. */
    public synchronized int throttlePerSecond() {
        return throttlePerSecond;
    }

    /** The share of calls answered with {@link #errorCode()}. */
    public synchronized double errorRate() {
        return errorRate;
    }

    /** The code answered to the {@link #errorRate()} share of calls. */
    public synchronized String errorCode() {
        return errorCode;
    }

    /** The deny rules: name prefix → error code. */
    public synchronized Map<String, String> denied() {
        return Map.copyOf(denied);
    }

    /** How many of the next calls still fail with {@link #failNextCode()}. */
    public synchronized int failNextRemaining() {
        return failNext;
    }

    /** The code answered to the calls counted by {@link #failNextRemaining()}. */
    public synchronized String failNextCode() {
        return failNextCode;
    }

    /** The most items a {@code GetParametersByPath} page holds. */
    public synchronized int pageSize() {
        return pageSize;
    }

    /** True when every other path page is empty (see {@link #emptyPages(boolean)}). */
    public synchronized boolean emptyPages() {
        return emptyPages;
    }

    /** True while the listening socket is closed. */
    public boolean refusingConnections() {
        return listener.refusing();
    }

    /** The error code to answer instead of running the operation, or null to run it. */
    synchronized String injectedError() {
        if (failNext > 0) {
            failNext--;
            return failNextCode;
        }
        if (throttlePerSecond > 0 && !takeToken()) {
            return "ThrottlingException";
        }
        if (errorRate > 0 && random.nextDouble() < errorRate) {
            return errorCode;
        }
        return null;
    }

    /** The error code for a call touching {@code name}, or null when no deny rule matches. */
    synchronized String deniedCode(String name) {
        for (Map.Entry<String, String> rule : denied.entrySet()) {
            if (name.startsWith(rule.getKey())) {
                return rule.getValue();
            }
        }
        return null;
    }

    synchronized boolean anyDenied() {
        return !denied.isEmpty();
    }

    private boolean takeToken() {
        long now = nanos(clock.instant());
        if (now > lastRefillNanos) {
            tokens = Math.min(throttlePerSecond, tokens + (now - lastRefillNanos) * throttlePerSecond / 1e9);
            lastRefillNanos = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static String checkCode(String code) {
        if (code == null || !ERROR_CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("error code must be a word such as InternalServerError, got '" + code + "'");
        }
        return code;
    }

    @Override
    public synchronized String toString() {
        return "Faults[latency=" + latency + ", throttlePerSecond=" + throttlePerSecond + ", errorRate=" + errorRate
                + " " + errorCode + ", denied=" + denied + ", failNext=" + failNext + " " + failNextCode
                + ", pageSize=" + pageSize + ", emptyPages=" + emptyPages + "]";
    }
}
