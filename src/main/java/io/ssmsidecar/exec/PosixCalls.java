package io.ssmsidecar.exec;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The libc calls that replace this process with the command ({@code execve(2)}, {@code sigprocmask(2)},
 * {@code fcntl(2)}, and {@code open(2)} with {@code dup2(2)} for a closed standard stream) and the ones that supervise
 * it ({@code kill(2)}, {@code waitpid(2)}, {@code prctl(2)}), bound with the Foreign Function &amp; Memory API (final
 * since JDK 22). The project compiles for
 * Java 17, so the API is reached by reflection; {@link #bind()} fails on an older JVM or when native access is denied.
 */
final class PosixCalls {
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    /** {@code sizeof(sigset_t)} is 128 bytes with glibc and musl, 4 on macOS: 128 zero bytes is an empty set on all. */
    private static final long SIGSET_BYTES = 128;

    private final Class<?> arenaType;
    private final Method allocateBytes;
    private final Method allocateLayout;
    private final Method asByteBuffer;
    private final Method address;
    private final Object nullSegment;
    private final Object errnoLayout;
    private final long errnoOffset;
    private final MethodHandle execve;
    private final MethodHandle sigprocmask;
    private final MethodHandle fcntl;
    private final MethodHandle kill;
    private final MethodHandle waitpid;
    private final MethodHandle prctl;
    private final MethodHandle open;
    private final MethodHandle dup2;
    private final boolean linux;
    private final int sigSetmask;

    private PosixCalls() throws ReflectiveOperationException {
        Class<?> linkerType = Class.forName("java.lang.foreign.Linker");
        Class<?> optionType = Class.forName("java.lang.foreign.Linker$Option");
        Class<?> segmentType = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> layoutType = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> pathElementType = Class.forName("java.lang.foreign.MemoryLayout$PathElement");
        Class<?> valueLayoutType = Class.forName("java.lang.foreign.ValueLayout");
        Class<?> descriptorType = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> lookupType = Class.forName("java.lang.foreign.SymbolLookup");
        arenaType = Class.forName("java.lang.foreign.Arena");

        allocateBytes = arenaType.getMethod("allocate", long.class, long.class);
        allocateLayout = arenaType.getMethod("allocate", layoutType);
        asByteBuffer = segmentType.getMethod("asByteBuffer");
        address = segmentType.getMethod("address");
        nullSegment = segmentType.getField("NULL").get(null);

        Object linker = linkerType.getMethod("nativeLinker").invoke(null);
        Object lookup = linkerType.getMethod("defaultLookup").invoke(linker);
        Method find = lookupType.getMethod("find", String.class);
        Object pointer = valueLayoutType.getField("ADDRESS").get(null);
        Object cInt = valueLayoutType.getField("JAVA_INT").get(null);
        Method describe = descriptorType.getMethod("of", layoutType, layoutType.arrayType());
        Method downcall = linkerType.getMethod("downcallHandle", segmentType, descriptorType, optionType.arrayType());

        errnoLayout = optionType.getMethod("captureStateLayout").invoke(null);
        Object errnoElement = pathElementType.getMethod("groupElement", String.class).invoke(null, "errno");
        errnoOffset = (long) layoutType.getMethod("byteOffset", pathElementType.arrayType())
                .invoke(errnoLayout, array(pathElementType, errnoElement));
        Object captureErrno = optionType.getMethod("captureCallState", String[].class)
                .invoke(null, (Object) new String[] {"errno"});

        execve = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "execve"),
                describe.invoke(null, cInt, array(layoutType, pointer, pointer, pointer)),
                array(optionType, captureErrno));
        sigprocmask = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "sigprocmask"),
                describe.invoke(null, cInt, array(layoutType, cInt, pointer, pointer)), array(optionType));
        Object variadicFrom2 = optionType.getMethod("firstVariadicArg", int.class).invoke(null, 2);
        fcntl = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "fcntl"),
                describe.invoke(null, cInt, array(layoutType, cInt, cInt, cInt)), array(optionType, variadicFrom2));
        kill = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "kill"),
                describe.invoke(null, cInt, array(layoutType, cInt, cInt)), array(optionType));
        waitpid = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "waitpid"),
                describe.invoke(null, cInt, array(layoutType, cInt, pointer, cInt)), array(optionType));
        open = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "open"),
                describe.invoke(null, cInt, array(layoutType, pointer, cInt, cInt)), array(optionType, variadicFrom2));
        dup2 = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "dup2"),
                describe.invoke(null, cInt, array(layoutType, cInt, cInt)), array(optionType));
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        linux = os.contains("linux");
        Object cLong = valueLayoutType.getField("JAVA_LONG").get(null);
        Object variadicFrom1 = optionType.getMethod("firstVariadicArg", int.class).invoke(null, 1);
        prctl = !linux ? null : (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "prctl"),
                describe.invoke(null, cInt, array(layoutType, cInt, cLong)), array(optionType, variadicFrom1));
        sigSetmask = linux ? 2 : 3;
    }

    /**
     * Binds the calls.
     *
     * @throws UnsupportedOperationException naming why not: JVM older than 22, not a POSIX system, or native
     *                                       access denied ({@code --illegal-native-access=deny})
     */
    static PosixCalls bind() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!(os.contains("linux") || os.contains("mac"))) {
            throw new UnsupportedOperationException("execve is only used on Linux and macOS, not " + os);
        }
        if (Runtime.version().feature() < 22) {
            throw new UnsupportedOperationException("Java " + Runtime.version().feature()
                    + " has no final Foreign Function & Memory API (needs 22+)");
        }
        try {
            return new PosixCalls();
        } catch (InvocationTargetException e) {
            throw new UnsupportedOperationException("native access refused: " + e.getCause());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new UnsupportedOperationException("Foreign Function & Memory API unavailable: " + e);
        }
    }

    /** Unblocks every signal of the calling thread, so the new program starts with an empty signal mask. */
    void clearSignalMask() throws Exception {
        try (AutoCloseable arena = newArena()) {
            Object empty = allocateBytes.invoke(arena, SIGSET_BYTES, 8L);
            sigprocmask.invokeWithArguments(sigSetmask, empty, nullSegment);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Marks {@code fd} close-on-exec; a descriptor that was closed meanwhile is ignored. */
    void setCloseOnExec(int fd) throws Exception {
        try {
            fcntl.invokeWithArguments(fd, F_SETFD, FD_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Calls {@code execve(path, argv, envp)}. On success it does not return: this process becomes the program.
     *
     * @return the {@code errno} of the failure
     */
    int execve(byte[] path, List<byte[]> argv, List<byte[]> envp) throws Exception {
        return execve(path, argv, envp, Set.of());
    }

    /**
     * As {@link #execve(byte[], List, List)}, with {@code /dev/null} put on the descriptors {@code devNull} (stdin,
     * stdout or stderr the caller closed) first. That is done last, just before the call, because those numbers hold
     * the JVM's own files until then (the module image, the jar the classes are read from).
     */
    int execve(byte[] path, List<byte[]> argv, List<byte[]> envp, Set<Integer> devNull) throws Exception {
        final int oRdwr = 2;
        try (AutoCloseable arena = newArena()) {
            Object errno = allocateLayout.invoke(arena, errnoLayout);
            Object cPath = cString(arena, path);
            Object cArgv = pointers(arena, argv);
            Object cEnvp = pointers(arena, envp);
            if (!devNull.isEmpty()) {
                Object cDevNull = cString(arena, "/dev/null".getBytes(StandardCharsets.US_ASCII));
                int nullFd = (int) open.invokeWithArguments(cDevNull, oRdwr, 0);
                if (nullFd < 0) {
                    throw new IOException("cannot open /dev/null");
                }
                for (int fd : devNull) {
                    if (fd != nullFd && (int) dup2.invokeWithArguments(nullFd, fd) != fd) {
                        throw new IOException("dup2 onto descriptor " + fd + " failed");
                    }
                }
                if (!devNull.contains(nullFd)) {
                    setCloseOnExec(nullFd);
                }
            }
            execve.invokeWithArguments(errno, cPath, cArgv, cEnvp);
            return ((ByteBuffer) asByteBuffer.invoke(errno)).order(ByteOrder.nativeOrder()).getInt((int) errnoOffset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends signal {@code signal} to {@code pid} ({@code kill(2)}; a negative pid is a process group). */
    boolean kill(long pid, int signal) throws Exception {
        try {
            return (int) kill.invokeWithArguments((int) pid, signal) == 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Reaps {@code pid} if it has ended, without waiting ({@code waitpid(pid, &status, WNOHANG)}).
     *
     * @return true if a zombie was reaped
     */
    boolean reap(long pid) throws Exception {
        final int wnohang = 1;
        try (AutoCloseable arena = newArena()) {
            Object status = allocateBytes.invoke(arena, 4L, 4L);
            return (int) waitpid.invokeWithArguments((int) pid, status, wnohang) == (int) pid;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Makes this process a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER, 1)}, Linux 3.4+): orphans of its
     * descendants become its children instead of PID 1's, so it can reap them. PID 1 is one already.
     */
    boolean becomeSubreaper() throws Exception {
        final int prSetChildSubreaper = 36;
        if (prctl == null) {
            return false;
        }
        try {
            return (int) prctl.invokeWithArguments(prSetChildSubreaper, 1L) == 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private AutoCloseable newArena() throws ReflectiveOperationException {
        return (AutoCloseable) arenaType.getMethod("ofConfined").invoke(null);
    }

    private Object cString(Object arena, byte[] bytes) throws ReflectiveOperationException {
        Object segment = allocateBytes.invoke(arena, (long) bytes.length + 1, 1L);
        ((ByteBuffer) asByteBuffer.invoke(segment)).put(bytes).put((byte) 0);
        return segment;
    }

    /** A NULL-terminated array of C strings, as {@code argv} and {@code envp} are. */
    private Object pointers(Object arena, List<byte[]> strings) throws ReflectiveOperationException {
        Object array = allocateBytes.invoke(arena, (long) Long.BYTES * (strings.size() + 1), (long) Long.BYTES);
        ByteBuffer slots = ((ByteBuffer) asByteBuffer.invoke(array)).order(ByteOrder.nativeOrder());
        for (byte[] s : strings) {
            slots.putLong((long) address.invoke(cString(arena, s)));
        }
        slots.putLong(0L);
        return array;
    }

    private static Object symbol(Method find, Object lookup, String name) throws ReflectiveOperationException {
        Optional<?> found = (Optional<?>) find.invoke(lookup, name);
        return found.orElseThrow(() -> new NoSuchMethodException("libc has no symbol " + name));
    }

    private static Object array(Class<?> type, Object... elements) {
        Object array = Array.newInstance(type, elements.length);
        for (int i = 0; i < elements.length; i++) {
            Array.set(array, i, elements[i]);
        }
        return array;
    }

    private static Exception rethrow(Throwable t) {
        Throwable cause = t instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : t;
        if (cause instanceof Error error) {
            throw error;
        }
        return cause instanceof Exception e ? e : new IllegalStateException(cause);
    }
}
