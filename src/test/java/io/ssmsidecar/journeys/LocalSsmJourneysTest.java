package io.ssmsidecar.journeys;

import io.ssmsidecar.testing.SsmBackend;

/** {@link UserJourneys} against the project's own local-ssm. */
class LocalSsmJourneysTest extends UserJourneys {
    @Override
    SsmBackend backend() {
        return SsmBackend.localSsm();
    }
}
