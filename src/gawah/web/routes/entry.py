"""Add a report by hand, or upload a CSV/XLSX list and read its validation report."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from gawah.errors import UserInputError
from gawah.registry import Sex, Status, list_incidents, list_sources
from gawah.web._backend import Backend
from gawah.web._imports import (
    ENTRY_COLUMNS,
    Outcome,
    import_entry,
)
from gawah.web._jobs import ImportJob
from gawah.web._security import Principal, require
from gawah.web._templates import render
from gawah.web.auth import Right
from gawah.web.routes.imports import job_out, start_upload

router = APIRouter()
Recorder = Annotated[Principal, Depends(require(Right.RECORD))]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=4000)]

#: (column, English label, Urdu label, right-to-left, input type) of the entry form.
FORM_FIELDS: tuple[tuple[str, str, str, bool, str], ...] = (
    ("full_name", "Full name (Latin script)", "پورا نام (انگریزی)", False, "text"),
    ("name_urdu", "Name in Urdu", "نام اردو میں", True, "text"),
    ("father_name", "Father's / husband's name", "والد / شوہر کا نام", False, "text"),
    ("age", "Age", "عمر", False, "text"),
    ("date", "Date of the incident", "تاریخ", False, "text"),
    ("place", "Place", "جگہ", False, "text"),
    ("village", "Village", "گاؤں", False, "text"),
    ("district", "District", "ضلع", False, "text"),
    ("occupation", "Occupation", "پیشہ", False, "text"),
    ("cause", "Cause (injury, weapon)", "وجہ", False, "text"),
    ("national_id", "National id (CNIC) — sensitive", "شناختی کارڈ", False, "text"),
    ("phone", "Phone — sensitive", "فون", False, "tel"),
    ("witness_name", "Witness — sensitive", "گواہ", False, "text"),
    ("witness_contact", "Witness contact — sensitive", "گواہ کا رابطہ", False, "text"),
)


class IssueOut(BaseModel):
    """A validation problem (sensitive values are hidden from non-admins)."""

    line: int
    column: str
    value: str
    reason: str


class ImportOut(BaseModel):
    """The validation report of an import or a single entry."""

    imported: bool
    file_name: str
    rows: int
    added: int
    changed: int
    unchanged: int
    rejected: int
    issues: list[IssueOut]
    unrecognised_status: dict[str, int]
    extra_columns: list[str]
    message: str
    report_ids: list[str]
    sensitive_columns: list[str] = []
    detected_sensitive: list[str] = []


class FieldError(BaseModel):
    """One request field that failed validation."""

    loc: list[str]
    msg: str
    type: str


class ValidationOut(BaseModel):
    """The request itself was malformed."""

    detail: list[FieldError]


REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"model": ImportOut | ValidationOut, "description": "refused, with reasons"}
}


class NewReport(BaseModel):
    """One report typed in by a documenter (values as they would appear in a list)."""

    source: str = Field(min_length=1, max_length=120)
    incident: str | None = Field(default=None, max_length=100)
    full_name: str = Field(default="", max_length=200)
    name_urdu: str = Field(default="", max_length=200)
    father_name: str = Field(default="", max_length=200)
    sex: str = Field(default="", max_length=20)
    age: str = Field(default="", max_length=20)
    status: str = Field(default="", max_length=60)
    date: str = Field(default="", max_length=40)
    place: str = Field(default="", max_length=200)
    village: str = Field(default="", max_length=200)
    district: str = Field(default="", max_length=200)
    occupation: str = Field(default="", max_length=200)
    cause: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=4000)
    national_id: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=40)
    witness_name: str = Field(default="", max_length=200)
    witness_contact: str = Field(default="", max_length=200)


def _out(o: Outcome) -> ImportOut:
    d = asdict(o)
    return ImportOut(
        **{
            **d,
            "issues": [IssueOut(**i) for i in d["issues"]],
            "extra_columns": list(o.extra_columns),
            "report_ids": list(o.report_ids),
            "sensitive_columns": list(o.sensitive_columns),
            "detected_sensitive": list(o.detected_sensitive),
        }
    )


class Choice(BaseModel):
    """One value a form offers: its id and what it is called."""

    value: str
    label: str


class ChoicesOut(BaseModel):
    """What the Add report form offers: sources, incidents, statuses, sexes, fields."""

    sources: list[Choice]
    incidents: list[Choice]
    statuses: list[str]
    sexes: list[str]
    fields: list[Choice]


def _choices(backend: Backend) -> dict[str, Any]:
    conn = backend.workspace().conn
    return {
        "incidents": list_incidents(conn),
        "sources": list_sources(conn),
        "statuses": [s.value for s in Status],
        "sexes": [s.value for s in Sex],
        "fields": FORM_FIELDS,
    }


def _entry(backend: Backend, values: dict[str, str]) -> Outcome:
    if not values.get("source", "").strip():
        raise UserInputError("choose or name the source of this report")
    if not (values.get("full_name", "").strip() or values.get("name_urdu", "").strip()):
        return Outcome(
            False,
            "web-entry.csv",
            0,
            0,
            0,
            0,
            1,
            (_issue("full_name", "give a name in Latin or Urdu script"),),
            {},
            (),
            "The report was not recorded.",
        )
    return import_entry(
        backend.workspace(),
        values,
        source=values["source"].strip(),
        incident=values.get("incident") or None,
    )


def _issue(column: str, reason: str) -> Any:
    from gawah.web._imports import Issue

    return Issue(line=2, column=column, value="", reason=reason)


@router.get("/entry", response_class=HTMLResponse, include_in_schema=False)
async def entry_page(request: Request, me: Recorder) -> Response:
    return render(
        request,
        "entry.html",
        values={},
        errors={},
        outcome=None,
        upload=None,
        **_choices(request.app.state.backend),
    )


@router.get("/api/entry/choices", tags=["entry"])
async def api_choices(request: Request, me: Recorder) -> ChoicesOut:
    """The choices of the Add report page: a report's source is one of these (or new)."""
    c = _choices(request.app.state.backend)
    return ChoicesOut(
        # A form sends the source's name (the registry derives its id from it).
        sources=[Choice(value=s.name, label=s.name) for s in c["sources"]],
        incidents=[Choice(value=i.incident_id, label=i.title) for i in c["incidents"]],
        statuses=c["statuses"],
        sexes=c["sexes"],
        fields=[Choice(value=f[0], label=f[1]) for f in FORM_FIELDS],
    )


@router.post("/entry", response_class=HTMLResponse, include_in_schema=False)
async def entry_form(request: Request, me: Recorder) -> Response:
    form = await request.form()
    values = {
        k: str(form.get(k) or "")[:4000]
        for k in (*ENTRY_COLUMNS, "source", "new_source", "incident")
    }
    # A source chosen from the list, or (only if none is chosen) a new one named.
    values["source"] = values["source"].strip() or values["new_source"].strip()
    backend: Backend = request.app.state.backend
    try:
        outcome = _entry(backend, values)
    except UserInputError as exc:
        outcome = Outcome(
            False,
            "",
            0,
            0,
            0,
            0,
            1,
            (_issue("source", str(exc)),),
            {},
            (),
            "The report was not recorded.",
        )
    errors = {i.column: i.reason for i in outcome.issues}
    status = 200 if outcome.imported else 422
    return render(
        request,
        "entry.html",
        status_code=status,
        values={} if outcome.imported else values,
        errors=errors,
        outcome=outcome,
        upload=None,
        **_choices(backend),
    )


@router.post("/entry/upload", response_class=HTMLResponse, include_in_schema=False)
async def upload_form(
    request: Request,
    me: Recorder,
    file: Annotated[UploadFile, File()],
    source: Short = "",
    new_source: Short = "",
    incident: Short = "",
    skip_invalid: Annotated[bool, Form()] = False,
) -> Response:
    backend: Backend = request.app.state.backend
    try:
        outcome = await start_upload(
            request,
            me,
            file,
            source=source.strip() or new_source,
            incident=incident,
            skip_invalid=skip_invalid,
        )
    except UserInputError as exc:
        outcome = Outcome(
            False, file.filename or "", 0, 0, 0, 0, 0, (), {}, (), str(exc)
        )
    if isinstance(outcome, ImportJob):  # still importing: follow it on its page
        return RedirectResponse(f"/imports/{outcome.job_id}", status_code=303)
    return render(
        request,
        "entry.html",
        status_code=200 if outcome.imported else 422,
        values={},
        errors={},
        outcome=None,
        upload=outcome,
        **_choices(backend),
    )


@router.post(
    "/api/reports",
    tags=["entry"],
    status_code=201,
    response_model=ImportOut,
    responses=REFUSED,
)
async def api_add_report(request: Request, body: NewReport, me: Recorder) -> Response:
    """Record one report; validation problems come back per field, nothing recorded."""
    backend: Backend = request.app.state.backend
    values = {k: v or "" for k, v in body.model_dump().items()}
    outcome = _entry(backend, values)
    out = _out(outcome)
    return Response(
        out.model_dump_json(),
        status_code=201 if outcome.imported else 422,
        media_type="application/json",
    )


@router.post(
    "/api/imports",
    tags=["entry"],
    status_code=201,
    response_model=ImportOut,
    responses=REFUSED,
)
async def api_import(
    request: Request,
    me: Recorder,
    file: Annotated[UploadFile, File(description="A .csv or .xlsx list")],
    source: Short,
    incident: Short = "",
    skip_invalid: Annotated[bool, Form()] = False,
) -> Response:
    """Import a list; the answer is its validation report (nothing imported if refused).

    A list still importing after a moment is answered 202 with its job
    (``GET /api/imports/{job_id}`` follows it).
    """
    outcome = await start_upload(
        request, me, file, source=source, incident=incident, skip_invalid=skip_invalid
    )
    if isinstance(outcome, ImportJob):
        return Response(
            job_out(outcome, time.monotonic()).model_dump_json(),
            status_code=202,
            media_type="application/json",
        )
    out = _out(outcome)
    return Response(
        out.model_dump_json(),
        status_code=201 if outcome.imported else 422,
        media_type="application/json",
    )
