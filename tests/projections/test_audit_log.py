"""The verifiable log catches every way of rewriting history, on SQLite here and on
PostgreSQL in tests/postgres (which subclasses ``AuditScenario``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa

from portal.bootstrap import bootstrap
from projections.audit.checkpoints import audit_checkpoints, stored_checkpoints
from projections.audit.export import ExportError, verify_export, write_export
from projections.audit.log import tree_state
from projections.audit.signing import SigningKey
from projections.audit.verify import verify_log
from projections.audit.witness import verify_deployment
from tests.projections.scenario import SYSTEM, build_region, random_history
from tests.projections.tamper import StoredEvents

ROOT = Path(__file__).resolve().parents[2]

# Run as ``python -c`` with the database URL and the instance folder: sign ``count``
# checkpoints, each copied to the witness file as the portal does.
SIGNER = """
import sys
from pathlib import Path
from portal.bootstrap import bootstrap
svc = bootstrap(sys.argv[1], instance=Path(sys.argv[2]))
for _ in range(int(sys.argv[3])):
    svc.checkpoints.create()
svc.close()
"""
# Sign and commit one checkpoint, then die by SIGKILL just before copying it to the witness.
KILLED_SIGNER = """
import os, signal, sys
from pathlib import Path
from portal.bootstrap import bootstrap
svc = bootstrap(sys.argv[1], instance=Path(sys.argv[2]))
svc.checkpoints._witness = lambda signed: os.kill(os.getpid(), signal.SIGKILL)
svc.checkpoints.create()
"""


def flip_last_byte(hex_hash: str) -> str:
    """The same hash with its last byte changed (always a different hash)."""
    return hex_hash[:-2] + f"{int(hex_hash[-2:], 16) ^ 0x01:02x}"


class AuditScenario:
    """Subclasses provide ``database_url`` for a fresh, empty database."""

    @pytest.fixture
    def services(self, database_url, tmp_path):
        svc = bootstrap(database_url, instance=tmp_path)
        _, settings = build_region(svc.portal, providers=2, settings_per_provider=2)
        random_history(svc.portal, settings, steps=30)
        svc.projections.catch_up()  # signs a checkpoint of the log (portal/bootstrap.py)
        yield svc
        svc.close()

    def verify(self, svc):
        with svc.engine.connect() as c:
            return verify_log(svc.portal.recorder, c, stored_checkpoints(c),
                              svc.checkpoints.key.public_key)

    def test_an_untouched_log_verifies(self, services):
        report = self.verify(services)
        assert report.ok, report.first
        assert report.events == report.leaves_checked == len(StoredEvents(services).positions())
        assert report.checkpoints_checked == 1

    def test_every_flipped_byte_of_a_sample_of_events_is_caught(self, services):
        store = StoredEvents(services)
        positions = store.positions()
        for position in (positions[0], positions[len(positions) // 2], positions[-1]):
            original = store.row(position)
            for field in ("state", "topic"):
                value = original[field]
                data = bytearray(value if isinstance(value, bytes) else value.encode())
                for index in range(len(data)):
                    data[index] ^= 0x01
                    flipped = bytes(data) if field == "state" else bytes(data).decode(
                        "utf-8", "surrogateescape")
                    store.write(position, **{field: flipped})
                    problem = self.verify(services).first
                    assert problem is not None, (position, field, index)
                    assert (problem.kind, problem.position) == ("altered", position)
                    data[index] ^= 0x01
                store.write(position, **{field: original[field]})
        assert self.verify(services).ok

    @pytest.mark.parametrize("renumber", [False, True])
    def test_a_deleted_event_is_named(self, services, renumber):
        store = StoredEvents(services)
        victim = store.positions()[7]
        store.delete(victim, renumber=renumber)
        problem = self.verify(services).first
        assert (problem.kind, problem.position) == ("removed", victim)

    def test_an_inserted_event_is_named(self, services):
        store = StoredEvents(services)
        target = store.positions()[5]
        forged = dict(store.row(target), originator_id=uuid4() if not isinstance(
            store.row(target)["originator_id"], str) else uuid4().hex)
        store.insert(target, forged)
        problem = self.verify(services).first
        assert (problem.kind, problem.position) == ("inserted", target)

    def test_two_swapped_events_are_named(self, services):
        store = StoredEvents(services)
        positions = store.positions()
        store.swap(positions[10], positions[14])
        problem = self.verify(services).first
        assert (problem.kind, problem.position) == ("reordered", positions[10])

    def test_a_truncated_log_is_caught(self, services):
        store = StoredEvents(services)
        positions = store.positions()
        store.truncate_from(positions[-3])
        problem = self.verify(services).first
        assert (problem.kind, problem.position) == ("truncated", positions[-3])

    def test_history_rewritten_with_its_digests_is_caught_by_the_signed_checkpoint(self,
                                                                                  services):
        store = StoredEvents(services)
        position = store.positions()[3]
        row = store.row(position)
        store.write(position, state=bytes(row["state"]).replace(b"Provider", b"Pretender"))
        services.projections.rebuild(["verifiable_log"])  # the forger recomputes the digests
        problem = self.verify(services).first
        assert problem.kind == "checkpoint"
        assert "was rewritten" in problem.message

    def test_a_forged_or_altered_checkpoint_is_caught(self, services, tmp_path):
        with services.engine.begin() as c:
            c.execute(audit_checkpoints.update().values(root=b"\x00" * 32))
        assert self.verify(services).first.kind == "signature"
        # A checkpoint signed with another key is not this deployment's.
        with services.engine.begin() as c:
            c.execute(audit_checkpoints.delete())
        services.checkpoints.key = SigningKey.load_or_create(tmp_path / "forger.pem")
        services.checkpoints.create()
        services.checkpoints.key = SigningKey.load_or_create(
            services.checkpoints.key.path.parent / "audit_ed25519.pem")
        assert self.verify(services).first.kind == "signature"

    # --- no unsigned tail (issue 17, finding 9) ---------------------------------------------

    def command(self, svc, fee: int = 4_321) -> int:
        """One command as the web layer runs it: store its events, then wait for the
        projections (which signs a checkpoint covering them)."""
        provider, setting = self.a_setting(svc)
        _, position = svc.portal.publish_vacancy(
            SYSTEM, provider_id=provider, setting_id=setting, age_from=16, age_to=17,
            needs_met=[], weekly_fee=fee, available_from=date(2027, 3, 1), expires_on=None,
            description="A place")
        svc.projections.wait_for(position)
        return position

    def a_setting(self, svc):
        from projections.vacancies import vacancy_board

        with svc.engine.connect() as c:
            row = c.execute(sa.select(vacancy_board.c.provider_id, vacancy_board.c.setting_id)
                            .limit(1)).first()
        return row.provider_id, row.setting_id

    def full_verify(self, svc):
        with svc.engine.connect() as c:
            return verify_deployment(svc.portal.recorder, c, stored_checkpoints(c),
                                     svc.checkpoints.witness_file,
                                     svc.checkpoints.key.public_key)

    def test_every_command_is_signed_at_once(self, services):
        position = self.command(services)
        report = self.full_verify(services)
        assert report.ok, report.first
        assert report.unsigned == 0
        assert services.checkpoints.latest().position == position

    def test_an_event_edited_with_its_leaf_right_after_its_command_is_caught(self, services):
        position = self.command(services)
        store = StoredEvents(services)
        assert store.positions()[-1] == position
        row = store.row(position)
        store.write(position, state=bytes(row["state"]).replace(b"4321", b"1234"))
        services.projections.rebuild(["verifiable_log"])  # the forger recomputes the leaves
        problem = self.full_verify(services).first
        assert problem.kind == "checkpoint"
        assert "was rewritten" in problem.message

    def test_events_removed_with_their_leaves_right_after_their_command_are_caught(
            self, services):
        first = self.command(services, fee=1_111)
        self.command(services, fee=2_222)
        StoredEvents(services).truncate_from(first)
        services.projections.rebuild(["verifiable_log"])  # leaves and tree to match
        problem = self.full_verify(services).first
        assert problem.kind == "truncated"
        assert "recorded history was removed" in problem.message

    def test_a_missing_witness_is_reported(self, services):
        services.checkpoints.witness_file.unlink()
        problem = self.full_verify(services).first
        assert problem.kind == "witness"
        assert "is missing" in problem.message

    def test_a_truncated_witness_is_reported(self, services):
        self.command(services)
        witness = services.checkpoints.witness_file
        lines = witness.read_text().splitlines(keepends=True)
        assert len(lines) == 2
        witness.write_text("".join(lines[:-1]))
        problem = self.full_verify(services).first
        assert problem.kind == "witness"
        assert "is shorter than the database's checkpoints" in problem.message
        witness.write_text("")
        assert "is shorter" in self.full_verify(services).first.message

    def test_a_signer_stopped_before_its_witness_copy_is_caught_up_after_it(self, services):
        """A projection process killed between committing a checkpoint and copying it to the
        witness file leaves the witness short: the next projection process, as it starts to
        follow the log, copies what it lacks (signed with the key), nothing twice."""
        witness = services.checkpoints.witness_file

        def lose_the_last_copy() -> None:
            witness.write_text("".join(witness.read_text().splitlines(keepends=True)[:-1]))

        self.command(services)
        lose_the_last_copy()
        assert "is shorter" in self.full_verify(services).first.message
        assert services.checkpoints.catch_up_witness() == 1
        assert self.full_verify(services).ok
        assert services.checkpoints.catch_up_witness() == 0
        self.command(services, fee=3_333)
        lose_the_last_copy()
        assert services.checkpoints.catch_up_witness() == 1  # the next process starting
        self.command(services, fee=4_444)
        assert self.full_verify(services).ok
        with services.engine.connect() as c:
            assert len(witness.read_text().splitlines()) == len(stored_checkpoints(c))

    def test_a_signer_killed_before_its_copy_is_copied_by_the_next_signer(self, services,
                                                                         database_url, tmp_path):
        """A process SIGKILLed after committing its checkpoint and before copying it to the
        witness: the next signer (here a command in another process) copies it with its own,
        under the witness's lock, so verify passes with no catch-up."""
        with services.engine.connect() as c:
            before = len(stored_checkpoints(c))
        child = subprocess.run(
            [sys.executable, "-c", KILLED_SIGNER, database_url, str(tmp_path)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
        assert child.returncode == -signal.SIGKILL
        with services.engine.connect() as c:
            assert len(stored_checkpoints(c)) == before + 1  # committed, never copied
        assert "is shorter" in self.full_verify(services).first.message
        self.command(services)
        report = self.full_verify(services)
        assert report.ok, report.first
        self.assert_witness_holds_each_checkpoint_once(services)

    def test_threads_signing_at_once_leave_the_witness_whole(self, services):
        """Threads signing together, one of them stopped after storing its checkpoint and
        before copying it: every checkpoint reaches the witness exactly once."""
        signer = services.checkpoints
        with services.engine.begin() as c:  # a signer stopped after its commit
            signer._sign(c, *tree_state(c, lock=True))
        barrier = threading.Barrier(6)

        def sign() -> None:
            barrier.wait()
            for _ in range(5):
                signer.create()

        threads = [threading.Thread(target=sign) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        report = self.full_verify(services)
        assert report.ok, report.first
        self.assert_witness_holds_each_checkpoint_once(services, expected_at_least=32)

    def test_processes_signing_at_once_leave_the_witness_whole(self, services, database_url,
                                                               tmp_path):
        """Several processes signing together, one of them killed between its commit and
        its copy: every checkpoint reaches the witness exactly once."""
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        instance = str(tmp_path)
        signers = [subprocess.Popen([sys.executable, "-c", SIGNER, database_url, instance,
                                     "8"], cwd=ROOT, env=env) for _ in range(3)]
        killed = subprocess.Popen([sys.executable, "-c", KILLED_SIGNER, database_url,
                                   instance], cwd=ROOT, env=env)
        assert killed.wait(300) == -signal.SIGKILL
        assert [signer.wait(300) for signer in signers] == [0, 0, 0]
        services.checkpoints.create()  # a signer after the killed one
        report = self.full_verify(services)
        assert report.ok, report.first
        self.assert_witness_holds_each_checkpoint_once(services, expected_at_least=27)

    def test_two_signers_taking_turns_each_copy_what_the_other_left(self, services,
                                                                    database_url, tmp_path):
        """Two signers of one deployment (two processes) signing in turn, each sometimes
        twice running, and a checkpoint stored by a third that never copied it: the witness
        holds every checkpoint once, in the database's order."""
        other = bootstrap(database_url, instance=tmp_path)
        try:
            for signer in (services, other, services, services, other, other, services):
                self.command(signer, fee=1_000 + len(signer.checkpoints.witness_file
                                                     .read_text().splitlines()))
                if signer is other:
                    with other.engine.begin() as c:  # stored, never copied
                        other.checkpoints._sign(c, *tree_state(c, lock=True))
            services.checkpoints.create()
            report = self.full_verify(services)
            assert report.ok, report.first
            lines = services.checkpoints.witness_file.read_text().splitlines()
            with services.engine.connect() as c:
                assert lines == [json.dumps(cp.as_json()) for cp in stored_checkpoints(c)]
        finally:
            other.close()

    def assert_witness_holds_each_checkpoint_once(self, svc, expected_at_least: int = 0):
        lines = svc.checkpoints.witness_file.read_text().splitlines()
        with svc.engine.connect() as c:
            stored = stored_checkpoints(c)
        assert len(stored) >= expected_at_least
        assert sorted(lines) == sorted(json.dumps(cp.as_json()) for cp in stored)

    def test_a_witness_ahead_of_the_database_is_never_caught_up(self, services):
        """The database no longer holds the witness's last checkpoint (deleted): nothing is
        copied, and the deletion is still reported."""
        self.command(services)
        with services.engine.begin() as c:
            last = c.execute(sa.select(sa.func.max(audit_checkpoints.c.id))).scalar()
            c.execute(audit_checkpoints.delete().where(audit_checkpoints.c.id == last))
        assert services.checkpoints.catch_up_witness() == 0
        assert "the database no longer has" in self.full_verify(services).first.message

    def test_checkpoints_deleted_from_the_database_are_reported(self, services):
        self.command(services)
        with services.engine.begin() as c:
            last = c.execute(sa.select(sa.func.max(audit_checkpoints.c.id))).scalar()
            c.execute(audit_checkpoints.delete().where(audit_checkpoints.c.id == last))
        problem = self.full_verify(services).first
        assert problem.kind == "checkpoint"
        assert "the database no longer has" in problem.message

    def test_the_tail_cut_with_its_checkpoints_is_caught_by_the_witness(self, services):
        first = self.command(services, fee=1_111)
        StoredEvents(services).truncate_from(first)
        services.projections.rebuild(["verifiable_log"])
        with services.engine.begin() as c:
            c.execute(audit_checkpoints.delete().where(audit_checkpoints.c.tree_size >= first))
        problems = self.full_verify(services).problems
        assert [p.kind for p in problems] == ["truncated", "checkpoint"]

    def test_checkpoints_deleted_from_the_database_and_the_witness_are_reported(self,
                                                                              services):
        with services.engine.begin() as c:
            c.execute(audit_checkpoints.delete())
        services.checkpoints.witness_file.unlink()
        problem = self.full_verify(services).first
        assert problem.kind == "witness"
        assert "there is no signed checkpoint" in problem.message
        services.checkpoints.witness_file.write_text("")  # an empty witness is no better
        assert "checkpoints were deleted from both" in self.full_verify(services).first.message

    def export(self, services, path):
        with services.engine.connect() as c, open(path, "w") as out:
            write_export(out, services.portal.recorder, c, stored_checkpoints(c),
                         services.checkpoints.key.public_key, services.checkpoints.deployment)
        return path

    def test_an_export_verifies_offline_and_tampering_is_caught(self, services, tmp_path):
        path = self.export(services, tmp_path / "export.jsonl")
        key = services.checkpoints.key.public_key
        report = verify_export(path, key)
        assert report.ok, report.first
        assert report.events == len(StoredEvents(services).positions())

        lines = path.read_text().splitlines()
        event_line = next(i for i, line in enumerate(lines) if '"type": "event"' in line)
        record = json.loads(lines[event_line])
        record["topic"] = record["topic"] + "X"
        altered = tmp_path / "altered.jsonl"
        altered.write_text("\n".join([*lines[:event_line], json.dumps(record),
                                      *lines[event_line + 1:]]) + "\n")
        assert verify_export(altered, key).first.kind == "altered"

        record["topic"] = record["topic"][:-1]
        record["leaf"] = None  # the forger drops the digest: the checkpoint still catches it
        record["state"] = record["state"][:-4] + "AAAA"
        rewritten = tmp_path / "rewritten.jsonl"
        rewritten.write_text("\n".join([*lines[:event_line], json.dumps(record),
                                        *lines[event_line + 1:]]) + "\n")
        assert verify_export(rewritten, key).first.kind == "checkpoint"

    @pytest.mark.parametrize(("damage", "message"), [
        (lambda lines: lines[:-1], "truncated"),
        (lambda lines: lines[:len(lines) // 2], "truncated"),
        (lambda lines: [*lines[:3], "{not json", *lines[3:]], "not valid JSON"),
        (lambda lines: ["{}", *lines[1:]], "not an audit export"),
        (lambda lines: ['{"type": "event"}', *lines[1:]], "not a Sufficiency Portal audit export"),
        (lambda lines: ["\udcff binary", *lines[1:]], "not UTF-8 text"),
    ])
    def test_a_damaged_export_is_refused_clearly(self, services, tmp_path, damage, message):
        lines = self.export(services, tmp_path / "e.jsonl").read_text().splitlines()
        broken = tmp_path / "broken.jsonl"
        broken.write_bytes(("\n".join(damage(lines)) + "\n").encode("utf-8", "surrogateescape"))
        with pytest.raises(ExportError, match=message):
            verify_export(broken, services.checkpoints.key.public_key)

    def test_the_wrong_key_or_another_deployments_checkpoint_is_refused(self, services,
                                                                      tmp_path):
        path = self.export(services, tmp_path / "e.jsonl")
        other = SigningKey.load_or_create(tmp_path / "other.pem").public_key
        with pytest.raises(ExportError, match="does not match the key"):
            verify_export(path, other)
        lines = path.read_text().splitlines()
        index = next(i for i, line in enumerate(lines) if '"type": "checkpoint"' in line)
        checkpoint = json.loads(lines[index])
        checkpoint["deployment"] = "another-partnership"
        lines[index] = json.dumps(checkpoint)
        foreign = tmp_path / "foreign.jsonl"
        foreign.write_text("\n".join(lines) + "\n")
        with pytest.raises(ExportError, match="another deployment"):
            verify_export(foreign, services.checkpoints.key.public_key)

    def test_checkpoints_are_kept_in_a_witness_file_too(self, services):
        witness = services.checkpoints.witness_file.read_text().splitlines()
        with services.engine.connect() as c:
            stored = stored_checkpoints(c)
        assert [json.loads(line)["root"] for line in witness] == [cp.root.hex()
                                                                  for cp in stored]

    def test_a_checkpoint_is_due_every_15_minutes(self, services):
        assert not services.checkpoints.due()
        later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
        assert services.checkpoints.due(now=later)


    def test_inclusion_proofs_prove_each_event_and_nothing_forged(self, services, tmp_path):
        from projections.audit.proofs import check_proof, make_proof

        key = services.checkpoints.key.public_key
        with services.engine.connect() as c:
            checkpoint = stored_checkpoints(c)[-1]
            proofs = {p: make_proof(services.portal.recorder, c, checkpoint, p)
                      for p in StoredEvents(services).positions()}
        for proof in proofs.values():
            assert check_proof(json.dumps(proof), key).ok
        sample = proofs[min(proofs) + 5]
        forged = [
            {**sample, "leaf_index": sample["leaf_index"] + 1},
            {**sample, "proof": [flip_last_byte(sample["proof"][0]), *sample["proof"][1:]]},
            {**sample, "proof": sample["proof"][:-1]},
            {**sample, "event": {**sample["event"], "topic": sample["event"]["topic"] + "X"}},
            {**sample, "checkpoint": {**sample["checkpoint"],
                                      "tree_size": sample["checkpoint"]["tree_size"] + 1}},
        ]
        for proof in forged:
            assert not check_proof(json.dumps(proof), key).ok
        assert not check_proof("{not json", key).ok
        other = SigningKey.load_or_create(tmp_path / "other.pem").public_key
        assert not check_proof(json.dumps(sample), other).ok


class TestAuditOnSQLite(AuditScenario):
    @pytest.fixture
    def database_url(self, tmp_path):
        return f"sqlite:///{tmp_path / 'portal.db'}"

    def test_reading_the_tree_to_sign_it_holds_sqlites_write_lock(self, services):
        """A signer reads the tree, takes the time and stores its checkpoint under the one
        write lock, so checkpoints are stored in the order they were signed in: another
        writer waits (here: gives up at once) until the signer's transaction ends."""
        other = sa.create_engine(services.engine.url, connect_args={"timeout": 0})
        with services.engine.begin() as c:
            tree_state(c, lock=True)
            with other.connect() as o, pytest.raises(sa.exc.OperationalError,
                                                     match="database is locked"):
                o.execute(sa.text("UPDATE audit_tree SET size = size"))
        with other.begin() as o:  # free again once the signer's transaction ended
            o.execute(sa.text("UPDATE audit_tree SET size = size"))
        other.dispose()
