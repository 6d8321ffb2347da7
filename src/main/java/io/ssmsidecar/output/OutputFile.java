package io.ssmsidecar.output;

/** One file of a set, rendered and ready to write: its name in the output directory, its bytes and its mode. */
record OutputFile(String name, byte[] content, int mode) {
}
