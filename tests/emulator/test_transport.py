"""The in-process transports: gspread's requests adapter and an httplib2-like object for
google-api-python-client call the emulator's App with no socket, with the same quota, faults,
stats and JSON as over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import gspread
import pytest
import requests
from googleapiclient.errors import HttpError
from sheets_emulator import EmulatorServer
from sheets_emulator.clients import gspread_client, sheets_service
from sheets_emulator.requests_adapter import InProcessAdapter

from agent.errors import AmbiguousWriteError
from agent.sheets.client import make_client
from agent.sheets.retry import RetryPolicy
from tests.conftest import UNPACED


@pytest.fixture
def unstarted() -> Iterator[EmulatorServer]:
    """An emulator that never binds a socket: only in-process calls can reach it."""
    server = EmulatorServer()
    yield server
    server.stop()


def test_gspread_in_process_without_any_socket(unstarted: EmulatorServer) -> None:
    gc = gspread_client(unstarted, token="alice", in_process=True)
    sh = gc.create("in-process")
    sh.sheet1.update([["id", "n"], ["t1", 3]], "A1")
    sh.sheet1.append_row(["t2", 4])
    assert sh.sheet1.get_all_records() == [{"id": "t1", "n": 3}, {"id": "t2", "n": 4}]
    assert [f["name"] for f in gc.list_spreadsheet_files()] == ["in-process"]
    stats = unstarted.stats()
    assert stats["accounts"]["alice"]["write"] == 2  # create and list go through Drive
    assert stats["requests"]["by_endpoint"]["values.append"] == 1


def _agent_session(client: gspread.Client) -> dict[str, object]:
    sh = client.create("agent")
    sh.sheet1.update([["x"]], "A1")
    assert sh.sheet1.acell("A1").value == "x"
    return {"created": sh.title}


def test_the_agents_client_in_process_counts_as_over_http(
    unstarted: EmulatorServer, emulator: EmulatorServer
) -> None:
    client = make_client(user="w-1", emulator_host="127.0.0.1:9", **UNPACED)
    client.http_client.session.mount("http://127.0.0.1:9", InProcessAdapter(unstarted.app))
    _agent_session(client)
    emulator.reset(stats_only=True)
    _agent_session(make_client(user="w-1", emulator_host=emulator.host_port, **UNPACED))
    inside, outside = unstarted.stats(), emulator.stats()
    for key in ("users", "accounts", "requests"):
        assert inside[key] == outside[key]
    assert set(inside["users"]) == {"w-1"}


def test_same_json_quota_and_faults_as_over_http(emulator: EmulatorServer) -> None:
    over_http = gspread_client(emulator, token="t")
    in_process = gspread_client(emulator, token="t", in_process=True)
    sh = over_http.create("same")
    sh.sheet1.update([["a", "b"]], "A1")
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sh.id}/values/Sheet1!A1:C9"
    bodies = [c.http_client.request("get", url).json() for c in (over_http, in_process)]
    assert (
        bodies[0]
        == bodies[1]
        == {
            "range": "Sheet1!A1:C9",
            "majorDimension": "ROWS",
            "values": [["a", "b"]],
        }
    )
    missing = "https://sheets.googleapis.com/v4/spreadsheets/nope"
    errors = []
    for client in (over_http, in_process):
        with pytest.raises(gspread.exceptions.APIError) as caught:
            client.http_client.request("get", missing)
        errors.append((caught.value.response.status_code, caught.value.response.json()))
    assert errors[0] == errors[1]
    assert errors[0][0] == 404
    # One quota for both transports: the account "t" has 4 reads a minute here.
    emulator.configure(quota=True, per_user_per_minute=4)
    emulator.reset(stats_only=True)
    codes = []
    for client in (over_http, in_process, over_http, in_process, in_process):
        codes.append(requests.Session.get(client.http_client.session, url).status_code)
    assert codes == [200, 200, 200, 200, 429]
    emulator.configure(quota=False)
    # Faults: a cut is requests' ConnectionError; a late answer outlives the client's timeout.
    emulator.arm_fault("lost_cut", method="PUT")
    with pytest.raises(requests.ConnectionError):
        in_process.open_by_key(sh.id).sheet1.update([["cut"]], "A1")
    assert sh.sheet1.acell("A1").value == "cut"  # applied, answer lost
    emulator.arm_fault("late", method="PUT", delay_ms=800, answer="timeout")
    session = in_process.http_client.session
    with pytest.raises(requests.ReadTimeout):
        session.put(
            url.replace("A1:C9", "A1"),
            params={"valueInputOption": "RAW"},
            json={"values": [["late"]]},
            timeout=0.2,
        )
    assert emulator.stats()["faults"]["by_kind"] == {"lost_cut": 1, "late": 1}
    deadline = time.monotonic() + 10  # let the late write land before the next test resets
    while emulator.stats()["late_writes"]["applied"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sh.sheet1.acell("A1").value == "late"


def test_the_agent_sees_a_cut_in_process_as_ambiguous(unstarted: EmulatorServer) -> None:
    client = make_client(
        user="w", emulator_host="127.0.0.1:9", policy=RetryPolicy(max_tries=1), **UNPACED
    )
    client.http_client.session.mount("http://127.0.0.1:9", InProcessAdapter(unstarted.app))
    sh = client.create("cut")
    unstarted.arm_fault("lost_cut", path=":append")
    with pytest.raises(AmbiguousWriteError):
        sh.sheet1.append_row(["once"])
    assert sh.sheet1.col_values(1) == ["once"]


def test_google_api_python_client_in_process(unstarted: EmulatorServer) -> None:
    service = sheets_service(unstarted, token="bob", in_process=True)
    created = service.spreadsheets().create(body={"properties": {"title": "g"}}).execute()
    key = created["spreadsheetId"]
    service.spreadsheets().values().update(
        spreadsheetId=key, range="A1", valueInputOption="RAW", body={"values": [["v"]]}
    ).execute()
    got = service.spreadsheets().values().get(spreadsheetId=key, range="A1").execute()
    assert got == {"range": "Sheet1!A1", "majorDimension": "ROWS", "values": [["v"]]}
    with pytest.raises(HttpError) as caught:
        service.spreadsheets().get(spreadsheetId="missing").execute()
    assert caught.value.resp.status == 404
    assert json.loads(caught.value.content)["error"]["status"] == "NOT_FOUND"
    assert unstarted.stats()["accounts"]["bob"] == {"read": 2, "write": 2, "drive": 0}


def test_google_api_python_client_in_process_answers_as_over_http(
    emulator: EmulatorServer,
) -> None:
    over_http = sheets_service(emulator, token="same")
    in_process = sheets_service(emulator, token="same", in_process=True)
    key = over_http.spreadsheets().create(body={}).execute()["spreadsheetId"]
    answers = []
    for service in (over_http, in_process):
        meta = service.spreadsheets().get(spreadsheetId=key).execute()
        with pytest.raises(HttpError) as caught:
            service.spreadsheets().values().get(spreadsheetId=key, range="Nope!A1").execute()
        answers.append((meta, caught.value.resp.status, json.loads(caught.value.content)))
    assert answers[0] == answers[1]
    assert answers[0][1] == 400
    emulator.configure(quota=True, per_user_per_minute=2)
    emulator.reset(stats_only=True)
    values = in_process.spreadsheets().values()
    values.get(spreadsheetId=key, range="A1").execute()
    over_http.spreadsheets().values().get(spreadsheetId=key, range="A1").execute()
    with pytest.raises(HttpError) as caught:
        values.get(spreadsheetId=key, range="A1").execute(num_retries=0)
    assert caught.value.resp.status == 429  # one account's budget, whichever transport
    assert emulator.stats()["accounts"]["same"]["read"] == 3
