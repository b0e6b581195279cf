"""Bank adapters by setting: only a bank served by the simulated adapter can be told to execute a batch."""

from __future__ import annotations

import pathlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from .. import banks, release
from ..models import BankInstruction, InstructionStatus
from .conftest import World
from .test_bank_scope import operator_of, released_batch

pytestmark = pytest.mark.django_db

FILES = "shuangjian.funds.banks.files.FileExchangeBank"
SIMULATED = "shuangjian.funds.banks.simulated.SimulatedBank"


def test_the_adapter_comes_from_the_setting_with_a_per_bank_override(world: World) -> None:
    with override_settings(FUNDS_BANK_ADAPTER=FILES, FUNDS_BANK_ADAPTERS={}):
        assert not banks.is_simulated(world.bank)
    with override_settings(FUNDS_BANK_ADAPTER=FILES, FUNDS_BANK_ADAPTERS={world.bank.code: SIMULATED}):
        assert banks.is_simulated(world.bank)
    with override_settings(FUNDS_BANK_ADAPTER=SIMULATED, FUNDS_BANK_ADAPTERS={world.bank.code: FILES}):
        assert not banks.is_simulated(world.bank)


def test_simulated_bank_shows_the_button_and_executes(world: World, client: Client) -> None:
    batch = released_batch(world)
    client.force_login(operator_of(world.bank))
    with override_settings(FUNDS_BANK_ADAPTER=SIMULATED):
        assert "模拟银行执行" in client.get("/funds/bank/").content.decode()
        assert client.post(f"/funds/bank/batches/{batch.pk}/execute/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == InstructionStatus.EXECUTED


@override_settings(FUNDS_BANK_ADAPTER=SIMULATED)
def test_a_real_bank_has_no_simulate_button_and_the_action_is_refused(world: World, client: Client) -> None:
    batch = released_batch(world)
    client.force_login(operator_of(world.bank))
    with override_settings(FUNDS_BANK_ADAPTERS={world.bank.code: FILES}):
        page = client.get("/funds/bank/").content.decode()
        assert batch.reference in page and "模拟银行执行" not in page
        assert client.post(f"/funds/bank/batches/{batch.pk}/execute/").status_code == 404
        with pytest.raises(ValidationError) as refused:
            release.instruction_batch_execute_simulated(actor=None, batch=batch)
        assert refused.value.code == "bank_not_simulated"
    batch.refresh_from_db()
    # Refused before anything moved: the batch is still a draft the bank has not been told about.
    assert batch.status == InstructionStatus.DRAFT
    assert set(BankInstruction.objects.filter(batch=batch).values_list("status", flat=True)) == {
        InstructionStatus.DRAFT
    }


def test_production_code_does_not_import_the_simulated_bank() -> None:
    funds = pathlib.Path(release.__file__).resolve().parent
    imports_simulated = re.compile(r"^\s*(from\s+\S*simulated\s+import|import\s+\S*simulated)", re.MULTILINE)
    # The simulated bank is a simulation tool: the demo builder and its management command may import it.
    allowed = {"demo.py", "bank_sim.py"}
    offenders = [
        str(p.relative_to(funds))
        for p in funds.rglob("*.py")
        if "tests" not in p.parts and p.name not in allowed and imports_simulated.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
