"""The simulated store as an ASGI application."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from wooconnect.adapters.woocommerce.simulator.asgi import (
    Receive,
    Request,
    Response,
    Scope,
    Send,
    plain_json,
    wp_error,
)
from wooconnect.adapters.woocommerce.simulator.authn import (
    AuthFailure,
    authenticate,
    check_permissions,
)
from wooconnect.adapters.woocommerce.simulator.control import Control
from wooconnect.adapters.woocommerce.simulator.rest import RestApi
from wooconnect.adapters.woocommerce.simulator.rest_params import InvalidParam
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore, StoreError
from wooconnect.adapters.woocommerce.simulator.webhooks import DeliveryDispatcher

# What an anonymous request gets per method: WordPress's permission callbacks.
_ANONYMOUS = {
    "GET": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "POST": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "PUT": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "PATCH": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "DELETE": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
}


class SimulatorApp:
    """Serves one `SimulatedStore`.

    `secure` says whether the store believes it is served over https (`is_ssl()`): only then
    does it accept Basic and query-string keys. Serve it with TLS for that (see
    `server.running_simulator(tls=True)`). `latency_ms` is the response time of every request.
    """

    def __init__(
        self, store: SimulatedStore, *, secure: bool = False, latency_ms: float = 0
    ) -> None:
        self.store = store
        self.secure = secure
        self.latency = latency_ms / 1000
        self.dispatcher = DeliveryDispatcher(store)
        self.rest = RestApi(store, self.dispatcher)
        self.control = Control(store, self.dispatcher)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = await Request.read(scope, receive)
        response = await self.handle(request)
        await response.send(send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.dispatcher.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.dispatcher.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, request: Request) -> Response:
        """Answer one request as the store would, `latency` after it arrived: the time the
        simulator itself takes is part of that latency, as a store's own work is part of its
        response time (unless it takes longer)."""
        if not request.path.startswith("/wp-json/"):
            return await self._answer_in_time(request, 0)
        in_flight = self.store.request_started()
        try:
            return await self._answer_in_time(request, in_flight)
        finally:
            self.store.request_finished()

    async def _answer_in_time(self, request: Request, in_flight: int) -> Response:
        if not self.latency:
            return await self._answer(request, in_flight)
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        response = await self._answer(request, in_flight)
        await asyncio.sleep(max(0.0, self.latency - (loop.time() - arrived)))
        return response

    async def _answer(self, request: Request, in_flight: int) -> Response:
        try:
            control = self.control.route(request)
            if control is not None:
                handler, args = control
                return await handler(request, *args)
            if request.path.startswith("/wp-json/"):
                return await self._api(request, in_flight)
            return wp_error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        except StoreError as exc:
            return plain_json(exc.status, {"code": exc.code, "message": exc.message})
        except InvalidParam as exc:
            return exc.response()
        except (ValueError, KeyError, TypeError) as exc:
            return plain_json(400, {"code": "bad_request", "message": str(exc)})

    async def _api(self, request: Request, in_flight: int) -> Response:
        with self.store.lock:
            self.store.request_log.append((request.method, request.path, request.query_string))
        fault = await self._fault(in_flight)
        if fault is not None:
            return fault
        try:
            key = authenticate(
                self.store,
                secure=self.secure,
                method=request.method,
                path=request.path,
                params=request.params,
                authorization=request.headers.get("authorization"),
            )
        except AuthFailure as exc:
            return _unauthorized(exc.code, exc.message, basic=self.secure)
        found = self.rest.route(request)
        if found is None:
            return wp_error(
                404, "rest_no_route", "No route was found matching the URL and request method."
            )
        if key is None:
            code, message = _ANONYMOUS.get(request.method, _ANONYMOUS["GET"])
            if request.method == "GET" and request.path.rstrip("/").split("/")[-1].isdigit():
                message = "Sorry, you cannot view this resource."
            return wp_error(401, code, message)
        try:
            check_permissions(key, request.method)
        except AuthFailure as exc:
            return _unauthorized(exc.code, exc.message, basic=False)
        handler, args = found
        result: Response | Awaitable[Response] = handler(request, *args)
        return await result if isinstance(result, Awaitable) else result

    async def _fault(self, in_flight: int) -> Response | None:
        store = self.store
        if store.take_fault("timeout_next"):
            await asyncio.sleep(store.faults.hang_seconds)
        if store.take_fault("rate_limit_next", "rate_limit_rate"):
            headers = (
                {}
                if store.faults.retry_after is None
                else {"Retry-After": str(store.faults.retry_after)}
            )
            return Response(
                429,
                b"<html><body>Too Many Requests</body></html>",
                {"Content-Type": "text/html", **headers},
            )
        busy = store.overloaded(in_flight)
        if busy or store.take_fault("server_error_next", "server_error_rate"):
            status = store.faults.server_error_status
            return Response(
                status,
                b"<html><body>Service Unavailable</body></html>",
                {"Content-Type": "text/html"},
            )
        return None


def _unauthorized(code: str, message: str, *, basic: bool) -> Response:
    response = wp_error(401, code, message)
    if basic:
        response.headers["WWW-Authenticate"] = (
            'Basic realm="WooCommerce API. Use a consumer key in the username field and a '
            'consumer secret in the password field."'
        )
    return response


def create_simulator_app(
    store: SimulatedStore, *, secure: bool = False, latency_ms: float = 0
) -> SimulatorApp:
    """The ASGI app for `store`; run it with uvicorn (see `server.running_simulator`)."""
    return SimulatorApp(store, secure=secure, latency_ms=latency_ms)
