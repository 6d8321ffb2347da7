package io.ssmsidecar.journeys;

import io.ssmsidecar.testing.SsmBackend;

/**
 * {@link UserJourneys} against moto's {@code moto_server} (one per test JVM, reset before each test). Fails, with how
 * to install it, when moto is missing: a machine without moto does not get a green suite that never ran against it.
 */
class MotoJourneysTest extends UserJourneys {
    @Override
    SsmBackend backend() {
        return SsmBackend.moto();
    }
}
