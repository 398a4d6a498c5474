"""Google's own client against Google's discovery document: google-api-python-client, built from
the Sheets v4 and Drive v3 documents that ship inside it (``static_discovery=True``), calls every
endpoint the emulator serves over loopback, and every response body is checked against the
response schema the document gives that method (types, formats, enums, no unknown fields)."""

from __future__ import annotations

from typing import Any

import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest
from sheets_emulator import EmulatorServer
from sheets_emulator.clients import sheets_service
from sheets_emulator.routes import ROUTES

from tests.emulator.discovery_schema import Validator, document, response_schema

SHEETS = document("sheets.v4")
DRIVE = document("drive.v3")


class Checked:
    """Runs requests and checks each body against its method's response schema."""

    def __init__(self) -> None:
        self.validators = {"sheets": Validator(SHEETS), "drive": Validator(DRIVE)}
        self.methods: set[str] = set()

    def __call__(self, request: HttpRequest) -> Any:
        body = request.execute()
        api = request.methodId.split(".")[0]
        doc = SHEETS if api == "sheets" else DRIVE
        schema = response_schema(doc, request.methodId)
        assert self.validators[api].check(body, schema) == [], request.methodId
        self.methods.add(request.methodId)
        return body


@pytest.fixture
def service(emulator: EmulatorServer) -> Any:
    return sheets_service(emulator, token="discovery")


@pytest.fixture
def drive(emulator: EmulatorServer) -> Any:
    return build(
        "drive",
        "v3",
        credentials=Credentials(token="discovery"),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": f"{emulator.url}/drive/v3/"},  # Drive's servicePath
        static_discovery=True,
    )


def _requests(sheet_id: int) -> list[dict[str, Any]]:
    whole = {"sheetId": sheet_id}
    return [
        {"addSheet": {"properties": {"title": "Added", "gridProperties": {"rowCount": 20}}}},
        {"duplicateSheet": {"sourceSheetId": sheet_id, "newSheetName": "Copy"}},
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet_id, "title": "Main"},
                "fields": "title",
            }
        },
        {"updateSpreadsheetProperties": {"properties": {"locale": "en_GB"}, "fields": "locale"}},
        {
            "insertDimension": {
                "range": {**whole, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
            }
        },
        {"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS", "length": 2}},
        {
            "updateDimensionProperties": {
                "range": {**whole, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "properties": {"pixelSize": 120},
                "fields": "pixelSize",
            }
        },
        {
            "addDimensionGroup": {
                "range": {**whole, "dimension": "ROWS", "startIndex": 5, "endIndex": 8}
            }
        },
        {
            "updateCells": {
                "range": {**whole, "startRowIndex": 0, "endRowIndex": 1},
                "rows": [
                    {
                        "values": [
                            {"userEnteredValue": {"stringValue": "id"}},
                            {"userEnteredValue": {"numberValue": 2}, "note": "a note"},
                        ]
                    }
                ],
                "fields": "userEnteredValue,note",
            }
        },
        {
            "appendCells": {
                "sheetId": sheet_id,
                "fields": "userEnteredValue",
                "rows": [{"values": [{"userEnteredValue": {"boolValue": True}}]}],
            }
        },
        {
            "repeatCell": {
                "range": {**whole, "startRowIndex": 0, "endRowIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
        {
            "setDataValidation": {
                "range": {**whole, "startRowIndex": 3, "endRowIndex": 4},
                "rule": {
                    "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "a"}]}
                },
            }
        },
        {
            "mergeCells": {
                "range": {
                    **whole,
                    "startRowIndex": 10,
                    "endRowIndex": 11,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                },
                "mergeType": "MERGE_ALL",
            }
        },
        {
            "unmergeCells": {
                "range": {
                    **whole,
                    "startRowIndex": 10,
                    "endRowIndex": 11,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                }
            }
        },
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {**whole, "startRowIndex": 0, "endRowIndex": 1},
                    "description": "header",
                    "warningOnly": True,
                }
            }
        },
        {
            "addNamedRange": {
                "namedRange": {
                    "name": "Header",
                    "range": {**whole, "startRowIndex": 0, "endRowIndex": 1},
                }
            }
        },
        {"setBasicFilter": {"filter": {"range": {**whole, "startRowIndex": 0, "endRowIndex": 9}}}},
        {"clearBasicFilter": {"sheetId": sheet_id}},
        {
            "sortRange": {
                "range": {**whole, "startRowIndex": 1, "endRowIndex": 6},
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}],
            }
        },
        {"trimWhitespace": {"range": whole}},
        {"findReplace": {"find": "id", "replacement": "ID", "allSheets": True}},
        {"deleteDuplicates": {"range": {**whole, "startRowIndex": 20, "endRowIndex": 30}}},
        {"autoResizeDimensions": {"dimensions": {**whole, "dimension": "COLUMNS"}}},
        {
            "deleteDimension": {
                "range": {**whole, "dimension": "ROWS", "startIndex": 40, "endIndex": 41}
            }
        },
    ]


def test_every_sheets_endpoint_answers_the_discovery_schema(
    service: Any, drive: Any, emulator: EmulatorServer
) -> None:
    run = Checked()
    sheets, values = service.spreadsheets(), service.spreadsheets().values()
    created = run(
        sheets.create(
            body={
                "properties": {"title": "discovery", "timeZone": "Europe/Lisbon"},
                "sheets": [
                    {
                        "properties": {
                            "title": "Data",
                            "gridProperties": {"rowCount": 50, "columnCount": 6},
                        }
                    }
                ],
            }
        )
    )
    key = created["spreadsheetId"]
    sheet_id = created["sheets"][0]["properties"]["sheetId"]
    rows = [["id", "n", "when"], ["b", 2, "2024-01-02"], ["a", "=1+2", ""], [" c ", True]]
    run(
        values.update(
            spreadsheetId=key,
            range="Data!A1",
            valueInputOption="USER_ENTERED",
            body={"values": rows},
            includeValuesInResponse=True,
        )
    )
    run(
        values.append(
            spreadsheetId=key,
            range="Data!A1",
            valueInputOption="RAW",
            insertDataOption="INSERT_ROWS",
            includeValuesInResponse=True,
            body={"values": [["d", 4]]},
        )
    )
    run(
        values.batchUpdate(
            spreadsheetId=key,
            body={
                "valueInputOption": "RAW",
                "includeValuesInResponse": True,
                "data": [
                    {"range": "Data!E1", "values": [["x"]]},
                    {"range": "Data!F1:F2", "majorDimension": "COLUMNS", "values": [["y", "z"]]},
                ],
            },
        )
    )
    for render in ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"):
        run(
            values.get(
                spreadsheetId=key,
                range="Data!A1:F9",
                valueRenderOption=render,
                dateTimeRenderOption="FORMATTED_STRING",
                majorDimension="COLUMNS",
            )
        )
    run(values.get(spreadsheetId=key, range="Data!D40"))  # empty: no values
    run(
        values.batchGet(
            spreadsheetId=key,
            ranges=["Data!A1:B2", "Data"],
            valueRenderOption="UNFORMATTED_VALUE",
            dateTimeRenderOption="SERIAL_NUMBER",
        )
    )
    reply = run(
        sheets.batchUpdate(
            spreadsheetId=key,
            body={
                "requests": _requests(sheet_id),
                "includeSpreadsheetInResponse": True,
                "responseIncludeGridData": True,
                "responseRanges": ["Main!A1:C3"],
            },
        )
    )
    assert len(reply["replies"]) == len(_requests(sheet_id))
    protected = next(
        r for r in reply["updatedSpreadsheet"]["sheets"] if r["properties"]["sheetId"] == sheet_id
    )["protectedRanges"][0]
    run(
        sheets.batchUpdate(
            spreadsheetId=key,
            body={
                "requests": [
                    {
                        "updateProtectedRange": {
                            "protectedRange": {
                                "protectedRangeId": protected["protectedRangeId"],
                                "description": "h",
                            },
                            "fields": "description",
                        }
                    },
                    {"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}},
                    {
                        "deleteNamedRange": {
                            "namedRangeId": reply["replies"][15]["addNamedRange"]["namedRange"][
                                "namedRangeId"
                            ]
                        }
                    },
                    {
                        "deleteDimensionGroup": {
                            "range": {
                                "sheetId": sheet_id,
                                "dimension": "ROWS",
                                "startIndex": 5,
                                "endIndex": 8,
                            }
                        }
                    },
                    {
                        "deleteSheet": {
                            "sheetId": reply["replies"][1]["duplicateSheet"]["properties"][
                                "sheetId"
                            ]
                        }
                    },
                ]
            },
        )
    )
    run(sheets.get(spreadsheetId=key))
    run(sheets.get(spreadsheetId=key, includeGridData=True))
    run(sheets.get(spreadsheetId=key, ranges=["Main!A1:B3"], includeGridData=True))
    run(sheets.get(spreadsheetId=key, fields="spreadsheetId,sheets.properties(title,sheetId)"))
    other = run(sheets.create(body={"properties": {"title": "target"}}))
    run(
        sheets.sheets().copyTo(
            spreadsheetId=key,
            sheetId=sheet_id,
            body={"destinationSpreadsheetId": other["spreadsheetId"]},
        )
    )
    run(values.clear(spreadsheetId=key, range="Main!E1:E2", body={}))
    run(values.batchClear(spreadsheetId=key, body={"ranges": ["Main!F1:F2", "Added!A1"]}))

    files = drive.files()
    made = run(
        files.create(
            body={"name": "by drive", "mimeType": "application/vnd.google-apps.spreadsheet"}
        )
    )
    run(files.get(fileId=made["id"]))
    run(files.get(fileId=made["id"], fields="id,name,createdTime,modifiedTime"))
    run(
        files.list(
            q="mimeType='application/vnd.google-apps.spreadsheet' and trashed=false",
            pageSize=2,
            orderBy="modifiedTime desc",
            fields="*",
        )
    )
    run(files.update(fileId=made["id"], body={"name": "renamed"}))
    copied = run(files.copy(fileId=made["id"], body={"name": "copied"}))
    run(drive.comments().list(fileId=made["id"], fields="*"))
    assert files.export(fileId=key, mimeType="text/csv").execute().startswith(b"ID,2")
    files.delete(fileId=copied["id"]).execute()

    served = {route.name for route in ROUTES}
    called = {_route_name(m) for m in run.methods} | {"drive.files.export", "drive.files.delete"}
    assert served - called == set()


def _route_name(method_id: str) -> str:
    """The emulator's endpoint name for a discovery method id."""
    if method_id.startswith("sheets.spreadsheets.values."):
        return method_id.removeprefix("sheets.spreadsheets.")
    return method_id.removeprefix("sheets.")


def test_errors_are_googles_envelope_to_the_client(service: Any) -> None:
    with pytest.raises(HttpError) as caught:
        service.spreadsheets().values().get(spreadsheetId="nope", range="A1").execute()
    assert caught.value.resp.status == 404
    assert caught.value.reason == "Requested entity was not found."
    assert caught.value.status_code == 404


def test_fields_selects_on_every_values_method(service: Any) -> None:
    run = Checked()
    sheets, values = service.spreadsheets(), service.spreadsheets().values()
    key = run(sheets.create(body={}, fields="spreadsheetId"))["spreadsheetId"]
    body = {"values": [["a", "b"]]}
    assert run(
        values.update(
            spreadsheetId=key, range="A1", valueInputOption="RAW", body=body, fields="updatedCells"
        )
    ) == {"updatedCells": 2}
    assert run(values.get(spreadsheetId=key, range="A1:B1", fields="values")) == body
    assert run(values.batchGet(spreadsheetId=key, ranges=["A1"], fields="valueRanges(range)")) == {
        "valueRanges": [{"range": "Sheet1!A1"}]
    }
    assert run(
        values.append(
            spreadsheetId=key,
            range="A1",
            valueInputOption="RAW",
            body=body,
            fields="updates/updatedRange",
        )
    ) == {"updates": {"updatedRange": "Sheet1!A2:B2"}}
    assert run(
        values.batchUpdate(
            spreadsheetId=key,
            fields="totalUpdatedCells",
            body={
                "valueInputOption": "RAW",
                "data": [{"range": "C1", "values": [["c"]]}],
            },
        )
    ) == {"totalUpdatedCells": 1}
    assert run(values.clear(spreadsheetId=key, range="C1", body={}, fields="clearedRange")) == {
        "clearedRange": "Sheet1!C1"
    }
    assert run(
        values.batchClear(spreadsheetId=key, body={"ranges": ["C1"]}, fields="spreadsheetId")
    ) == {"spreadsheetId": key}
    with pytest.raises(HttpError) as caught:
        values.get(spreadsheetId=key, range="A1", fields="values(").execute()
    assert caught.value.resp.status == 400


def test_create_keeps_the_sheets_data(service: Any) -> None:
    run = Checked()
    created = run(
        service.spreadsheets().create(
            body={
                "properties": {"title": "with data"},
                "sheets": [
                    {"properties": {"title": "One"}},
                    {
                        "properties": {"title": "Two"},
                        "data": [
                            {
                                "startRow": 1,
                                "startColumn": 1,
                                "rowData": [
                                    {
                                        "values": [
                                            {"userEnteredValue": {"stringValue": "x"}},
                                            {"userEnteredValue": {"numberValue": 7}},
                                        ]
                                    }
                                ],
                            }
                        ],
                    },
                ],
            }
        )
    )
    got = run(
        service.spreadsheets()
        .values()
        .get(
            spreadsheetId=created["spreadsheetId"],
            range="Two!A1:C2",
            valueRenderOption="UNFORMATTED_VALUE",
        )
    )
    assert got["values"] == [[], ["", "x", 7]]
    with pytest.raises(HttpError) as caught:
        service.spreadsheets().create(
            body={
                "sheets": [
                    {
                        "data": [
                            {
                                "startRow": 5000,
                                "rowData": [
                                    {"values": [{"userEnteredValue": {"stringValue": "far"}}]}
                                ],
                            }
                        ]
                    }
                ]
            }
        ).execute()
    assert caught.value.resp.status == 400
    assert "sheets[0].data[0]" in caught.value.reason
