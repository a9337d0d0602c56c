"""REST-JSON locations Lambda's model does not use, on a small hand-written model, against botocore.

Greedy labels, ``jsonvalue`` headers, header lists and timestamps, header-prefix maps, query-string
maps and a structure payload, in both directions.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from test_rest_json_roundtrip import Request

from lamina.protocols import RestJsonParser, RestJsonSerializer, ServiceSpec
from lamina.protocols.routes import Router


def _member(shape: str, **traits: Any) -> dict[str, Any]:
    return {"shape": shape, **traits}


MODEL = {
    "metadata": {
        "protocol": "rest-json",
        "apiVersion": "2020-01-01",
        "serviceId": "Toy",
        "endpointPrefix": "toy",
        "signatureVersion": "v4",
    },
    "operations": {
        "PutThing": {
            "name": "PutThing",
            "http": {"method": "PUT", "requestUri": "/2020-01-01/things/{Key+}", "responseCode": 201},
            "input": {"shape": "PutThingInput"},
            "output": {"shape": "PutThingOutput"},
        },
    },
    "shapes": {
        "PutThingInput": {
            "type": "structure",
            "required": ["Key"],
            "payload": "Body",
            "members": {
                "Key": _member("String", location="uri", locationName="Key"),
                "Context": _member("String", location="header", locationName="X-Context", jsonvalue=True),
                "Labels": _member("StringList", location="header", locationName="X-Labels"),
                "Meta": _member("StringMap", location="headers", locationName="x-meta-"),
                "When": _member("Time", location="header", locationName="X-When"),
                "Flag": _member("Bool", location="querystring", locationName="flag"),
                "Ratio": _member("Double", location="querystring", locationName="ratio"),
                "Extra": _member("StringMap", location="querystring"),
                "Body": _member("Thing"),
            },
        },
        "PutThingOutput": {
            "type": "structure",
            "payload": "Body",
            "members": {
                "Labels": _member("StringList", location="header", locationName="X-Labels"),
                "When": _member("Time", location="header", locationName="X-When"),
                "Context": _member("String", location="header", locationName="X-Context", jsonvalue=True),
                "Meta": _member("StringMap", location="headers", locationName="x-meta-"),
                "Body": _member("Thing"),
            },
        },
        "Thing": {
            "type": "structure",
            "members": {
                "Name": _member("String", locationName="name"),
                "Size": _member("Long"),
                "Seen": _member("Time"),
                "SeenIso": _member("Time", timestampFormat="iso8601"),
            },
        },
        "String": {"type": "string"},
        "Bool": {"type": "boolean"},
        "Double": {"type": "double"},
        "Long": {"type": "long"},
        "Time": {"type": "timestamp"},
        "StringList": {"type": "list", "member": {"shape": "String"}},
        "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    },
}
SPEC = ServiceSpec(ServiceModel(MODEL, service_name="toy"))
OPERATION = SPEC.model.operation_model("PutThing")
MOMENT = dt.datetime(2024, 5, 1, 12, 30, 45, tzinfo=dt.UTC)


def test_every_location_round_trips_botocore_to_lamina() -> None:
    params = {
        "Key": "a/b c/Ünï",
        "Context": {"custom": {"k": ["v", 1]}},
        "Labels": ["plain", "with,comma", 'with "quote"'],
        "Meta": {"Owner": "me", "Team": "a b"},
        "When": MOMENT,
        "Flag": False,
        "Ratio": 0.25,
        "Extra": {"x": "1", "y": "z z"},
        "Body": {"Name": "thing", "Size": 2**40, "Seen": MOMENT, "SeenIso": MOMENT},
    }
    request_dict = create_serializer("rest-json").serialize_to_request(params, OPERATION)
    prepare_request_dict(request_dict, endpoint_url="https://toy.example.com")
    wire = Request.of(create_request_object(request_dict).prepare())
    assert wire.path == "/2020-01-01/things/a/b%20c/%C3%9Cn%C3%AF"
    parser = RestJsonParser(SPEC, Router(SPEC))
    operation, parsed = parser.parse(wire.method, wire.path, wire.query, wire.headers, wire.body)
    assert operation.name == "PutThing"
    assert parsed == {**params, "Meta": {"Owner": "me", "Team": "a b"}}


def test_every_location_round_trips_lamina_to_botocore() -> None:
    result = {
        "Labels": ["plain", "two words"],  # botocore splits response header lists on every comma, quoted or not
        "When": MOMENT,
        "Context": {"nested": [1, 2]},
        "Meta": {"Owner": "me"},
        "Body": {"Name": "thing", "Size": 2**40, "Seen": MOMENT, "SeenIso": MOMENT},
    }
    response = RestJsonSerializer(SPEC).serialize(OPERATION, result, "req-1")
    assert response.status == 201
    assert json.loads(response.body) == {
        "name": "thing",
        "Size": 2**40,
        "Seen": 1714566645,
        "SeenIso": "2024-05-01T12:30:45Z",
    }
    raw = {"status_code": response.status, "headers": HeadersDict(response.headers), "body": response.body}
    parsed = create_parser("rest-json").parse(raw, OPERATION.output_shape)
    parsed.pop("ResponseMetadata")
    assert {key: parsed[key] for key in ("Labels", "Context", "Body")} == {
        "Labels": ["plain", "two words"],
        "Context": result["Context"],
        "Body": result["Body"],
    }
    assert parsed["When"] == MOMENT
    assert parsed["Meta"]["Owner"] == "me"


def test_an_empty_structure_payload_is_absent() -> None:
    parser = RestJsonParser(SPEC, Router(SPEC))
    assert parser.parse("PUT", "/2020-01-01/things/k", "", [], b"")[1] == {"Key": "k"}
