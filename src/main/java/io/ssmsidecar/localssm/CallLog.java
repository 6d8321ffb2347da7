package io.ssmsidecar.localssm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The most recent calls, oldest first, bounded so a long benchmark cannot exhaust the heap. */
final class CallLog {
    private final int limit;
    private final ArrayDeque<Call> calls = new ArrayDeque<>();

    CallLog(int limit) {
        this.limit = limit;
    }

    synchronized void add(Call call) {
        if (calls.size() == limit) {
            calls.removeFirst();
        }
        calls.addLast(call);
    }

    synchronized List<Call> snapshot() {
        return new ArrayList<>(calls);
    }

    synchronized void clear() {
        calls.clear();
    }
}
