// Regenerates src/core/onnx/proto/onnx.json (the protobufjs JSON descriptor of onnx.proto, loaded at run time
// with `protobufjs/light`) from the ONNX 1.12 schema: node tools/onnx-fixtures/make_proto_json.mjs [onnx.proto]
import { readFileSync, writeFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const src = process.argv[2] ?? '/usr/lib/python3/dist-packages/onnx/onnx.proto';
const root = protobuf.parse(readFileSync(src, 'utf8'), { keepCase: true, alternateCommentMode: false }).root;
const json = {
  license:
    'Derived from onnx/onnx.proto of ONNX 1.12 (https://github.com/onnx/onnx), Copyright (c) ONNX Project Contributors, ' +
    'SPDX-License-Identifier: Apache-2.0 (http://www.apache.org/licenses/LICENSE-2.0). Converted to a protobufjs JSON ' +
    'descriptor by tools/onnx-fixtures/make_proto_json.mjs; comments removed, definitions unchanged.',
  ...root.toJSON({ keepComments: false }),
};
writeFileSync(new URL('../../src/core/onnx/proto/onnx.json', import.meta.url), JSON.stringify(json) + '\n');
