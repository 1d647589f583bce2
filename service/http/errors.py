"""The one error shape of the API: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.parsing import field_errors
from service.queries.problems import BadRequest, Behind, Conflict, Invalid, NotFound, Problem
from service.storage.transient import RETRY_AFTER_SECONDS, TRANSIENT, discard_broken


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = []


class ErrorEnvelope(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers


# The HTTP status of each kind of problem the read layer raises.
STATUS_OF_PROBLEM: dict[type[Problem], int] = {
    BadRequest: 400,
    NotFound: 404,
    Invalid: 422,
    Conflict: 409,
    Behind: 503,
}


def from_problem(problem: Problem) -> ApiError:
    headers = {"Retry-After": str(problem.retry_after)} if problem.retry_after else None
    status = STATUS_OF_PROBLEM.get(type(problem), 400)
    return ApiError(status, problem.code, problem.message, problem.details, headers)


def error_response(error: ApiError) -> JSONResponse:
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


REFERENCE = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(Problem)
    async def _problem(_: Request, problem: Problem) -> JSONResponse:
        return error_response(from_problem(problem))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        details = field_errors(error)
        fields = ", ".join(d["field"] for d in details)
        return error_response(ApiError(422, "invalid", f"invalid parameters: {fields}", details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = REFERENCE.get(error.status_code, "error")
        return error_response(
            ApiError(error.status_code, code, str(error.detail), headers=error.headers)
        )

    async def _unavailable(request: Request, _: Exception) -> JSONResponse:
        timeline = getattr(request.app.state, "timeline", None)
        if timeline is not None:
            await anyio.to_thread.run_sync(discard_broken, timeline.factory.datastore)
        return error_response(
            ApiError(
                503,
                "unavailable",
                "the database is not answering (restarting?); retry shortly",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        )

    for transient in TRANSIENT:
        app.add_exception_handler(transient, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        return error_response(ApiError(500, "internal", "internal error"))
