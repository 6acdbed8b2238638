"""Sends traces and logs to an OTLP endpoint with the OpenTelemetry Python
SDK, as an instrumented service would: one trace per order, a root span
with three children (one failing), a log line inside each.

Prints one JSON line per trace: {"trace_id", "spans", "service"}.

    python send.py --protocol http --endpoint http://127.0.0.1:4318 --service shop
    python send.py --protocol grpc --endpoint http://127.0.0.1:4317 --service shop
"""

import argparse
import json
import logging
import time

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.trace import Status, StatusCode


def exporters(protocol, endpoint):
    if protocol == "http":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        return (
            OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces"),
            OTLPLogExporter(endpoint=f"{endpoint}/v1/logs"),
        )
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

    return (
        OTLPSpanExporter(endpoint=endpoint, insecure=True),
        OTLPLogExporter(endpoint=endpoint, insecure=True),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", choices=["http", "grpc"], required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--orders", type=int, default=2)
    args = parser.parse_args()

    resource = Resource.create({"service.name": args.service})
    span_exporter, log_exporter = exporters(args.protocol, args.endpoint)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    log = logging.getLogger(args.service)
    log.setLevel(logging.INFO)
    log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))

    tracer = tracer_provider.get_tracer("tracelens.tests.serve")
    for order in range(args.orders):
        with tracer.start_as_current_span(f"place order {args.protocol}") as root:
            root.set_attribute("order.id", order)
            root.set_attribute("http.route", "/orders")
            trace_id = format(root.get_span_context().trace_id, "032x")
            with tracer.start_as_current_span("reserve stock"):
                time.sleep(0.002)
            with tracer.start_as_current_span("charge card") as charge:
                charge.set_attribute("payment.provider", "acme")
                log.info("charging order %d", order)
                if order % 2 == 1:
                    charge.set_status(Status(StatusCode.ERROR, "card declined"))
                time.sleep(0.003)
            with tracer.start_as_current_span("send receipt"):
                time.sleep(0.001)
        print(json.dumps({"trace_id": trace_id, "spans": 4, "service": args.service}), flush=True)

    tracer_provider.shutdown()
    logger_provider.shutdown()


if __name__ == "__main__":
    main()
