package io.ssmsidecar.cli;

import io.ssmsidecar.log.Log;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs POSIX signal handlers through {@code sun.misc.Signal} (module jdk.unsupported), the one way Java 17 offers.
 * Reached reflectively so the build stays free of proprietary-API warnings.
 */
final class Signals {
    private static final Log LOG = Log.get(Signals.class);

    private Signals() {
    }

    /** Runs {@code action} on a JVM signal thread when {@code name} (TERM, INT, HUP, USR1) arrives. */
    static boolean on(String name, Runnable action) {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Constructor<?> newSignal = signalType.getConstructor(String.class);
            Method handle = signalType.getMethod("handle", signalType, handlerType);
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                            return null;
                        }
                        return switch (method.getName()) {
                            case "toString" -> "Signals(" + name + ")";
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> null;
                        };
                    });
            handle.invoke(null, newSignal.newInstance(name), handler);
            return true;
        } catch (InvocationTargetException e) {
            LOG.warn("cannot handle signal", "signal", name, "reason", String.valueOf(e.getCause().getMessage()));
            return false;
        } catch (ReflectiveOperationException e) {
            LOG.warn("cannot handle signal", "signal", name, "reason", e.getClass().getSimpleName());
            return false;
        }
    }
}
