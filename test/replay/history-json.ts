import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

/**
 * History ⇄ JSON in the format `temporal workflow show -o json` writes.
 *
 * Why not @temporalio/common's historyToJSON: it pairs @temporalio/proto's message types with its
 * own copy of protobufjs's protojson, and npm installs the two packages each with a nested copy of
 * protobufjs, so the types fail its `instanceof Type` check ("type must be a Type"). Here protojson
 * comes from the copy @temporalio/proto itself resolves, which is the one its types belong to.
 */
type ProtoJson = {
  toJson: (type: unknown, message: unknown) => unknown;
  fromJson: (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => unknown;
};
const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the copy is found at run time, by design
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
// patchProtobufRoot returns protobufjs's Root at run time; its declared type is the generated module's.
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType: (name: string) => unknown }).lookupType(
  'temporal.api.history.v1.History',
);

export type History = proto.temporal.api.history.v1.IHistory;

export function historyToJSON(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** Reads what historyToJSON (or a recent `temporal workflow show -o json`) wrote: full enum names. */
export function historyFromJSON(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
