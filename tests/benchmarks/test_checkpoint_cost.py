"""What signing a checkpoint after every command costs (issue 17: no unsigned tail).

The write path as the web process runs it: publish a vacancy through the Portal application,
then wait for the projections to apply it (inline, as on SQLite) before rendering. One side
signs a checkpoint in the verifiable log's batch whenever that catch-up grows the log
(``SigningRunner``, as every deployment now does); the other is the same runner with signing
switched off. Same commands, same data (same seed), same disk, one run: the two sides
alternate in short chunks and the ratio reported is the median of the chunk pairs' ratios.
No target: the figures are reported (the README's Speed section and .benchmarks/latest.json).
"""

from __future__ import annotations

import random
import statistics

from projections.audit.checkpoints import stored_checkpoints
from tests.benchmarks.helpers import PortalWriter, plausible_terms, timed

CHUNK = 50  # commands per chunk; the two sides alternate chunk by chunk
PAIRS = 20  # so 1,000 commands each side
WARM_UP = 50


class WaitingWriter:
    """Publishes vacancies as a view does: the command, then wait for the projections."""

    def __init__(self, path, signing: bool) -> None:
        self.writer = PortalWriter(path)
        self.services = self.writer.services
        self.services.projections.catch_up()
        if not signing:  # the same runner, its verifiable log signing nothing
            runner = self.services.projections
            runner.checkpoints = runner.projections["verifiable_log"].signer = None
        self.rng = random.Random(7)  # the same terms on both sides
        self.events = 0

    def publish(self, count: int) -> None:
        portal, writer = self.writer.portal, self.writer
        for i in range(count):
            setting_id = writer.settings[i % len(writer.settings)]
            terms = plausible_terms(self.rng, writer.setting_objects[setting_id])
            before = portal.last_position()
            _, position = portal.publish_vacancy(writer.actor, provider_id=writer.provider,
                                                 setting_id=setting_id, **terms)
            self.services.projections.wait_for(position)
            self.events += position - before


def test_checkpoint_after_every_command(tmp_path, results):
    signing = WaitingWriter(tmp_path / "signing" / "portal.db", signing=True)
    plain = WaitingWriter(tmp_path / "plain" / "portal.db", signing=False)
    signing.publish(WARM_UP)
    plain.publish(WARM_UP)
    with signing.services.engine.connect() as c:
        checkpoints_before = len(stored_checkpoints(c))
    witness_before = signing.services.checkpoints.witness_file.stat().st_size
    events_before = signing.events, plain.events

    signing_times, plain_times = [], []
    for _ in range(PAIRS):
        plain_times.append(timed(lambda: plain.publish(CHUNK))[0])
        signing_times.append(timed(lambda: signing.publish(CHUNK))[0])
    commands = CHUNK * PAIRS
    signed_events = signing.events - events_before[0]
    plain_events = plain.events - events_before[1]
    assert signed_events == plain_events == commands  # same work: one event a command
    plain_rate = round(plain_events / sum(plain_times))
    signing_rate = round(signed_events / sum(signing_times))
    ratios = sorted(p / s for p, s in zip(plain_times, signing_times, strict=True))
    ratio = statistics.median(ratios)  # signing's rate as a share of the plain rate

    with signing.services.engine.connect() as c:
        checkpoints = len(stored_checkpoints(c)) - checkpoints_before
    witness_bytes = signing.services.checkpoints.witness_file.stat().st_size - witness_before
    with plain.services.engine.connect() as c:
        assert len(stored_checkpoints(c)) <= 1  # the plain side signed nothing while timed

    print(f"\n[checkpoint cost] {commands:,} vacancies published each side, each followed by"
          f" the inline catch-up of every projection (as the web does), alternating in chunks"
          f" of {CHUNK}")
    print(f"  without signing              : {plain_rate:>6,} events/s")
    print(f"  signing after every command  : {signing_rate:>6,} events/s"
          f"  = {ratio:.3f}x, median of {PAIRS} chunk pairs (ranged"
          f" {ratios[0]:.2f}-{ratios[-1]:.2f}; totals give {signing_rate / plain_rate:.3f}x)")
    print(f"  {checkpoints:,} checkpoints signed, {witness_bytes / max(checkpoints, 1):.0f}"
          f" bytes each in the witness file")
    results["checkpoint_cost"] = {
        "commands_each_side": commands, "chunk": CHUNK,
        "plain_events_per_s": plain_rate, "signing_events_per_s": signing_rate,
        "signing_ratio": round(ratio, 3),
        "signing_ratio_of_totals": round(signing_rate / plain_rate, 3),
        "pair_ratios": [round(r, 3) for r in ratios],
        "checkpoints_signed": checkpoints,
        "witness_bytes_per_checkpoint": round(witness_bytes / max(checkpoints, 1)),
    }
    assert checkpoints == commands  # one checkpoint a command: no unsigned tail
    signing.services.close()
    plain.services.close()
