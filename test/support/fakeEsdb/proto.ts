/**
 * The generated protobuf modules of @eventstore/db-client, loaded from the client package itself.
 *
 * The generated gRPC serializers check `instanceof` against these exact classes, so the fake server must build
 * every message with the very modules the client uses (same package, same google-protobuf instance). The package
 * has no `exports` map, so deep requires of `generated/*.js` work; it is CommonJS, hence createRequire.
 */
import { createRequire } from 'node:module';
import type * as AnyPb from 'google-protobuf/google/protobuf/any_pb.js';
import type * as EmptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type * as ServerFeaturesGrpcPb from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import type * as ServerFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb.js';
import type * as StatusPb from '@eventstore/db-client/generated/status_pb.js';
import type * as StreamsGrpcPb from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb.js';

export type {
  AnyPb,
  EmptyPb,
  ServerFeaturesGrpcPb,
  ServerFeaturesPb,
  SharedPb,
  StatusPb,
  StreamsGrpcPb,
  StreamsPb,
};

export interface EsdbProto {
  streams: typeof StreamsPb;
  streamsGrpc: typeof StreamsGrpcPb;
  shared: typeof SharedPb;
  status: typeof StatusPb;
  serverFeatures: typeof ServerFeaturesPb;
  serverFeaturesGrpc: typeof ServerFeaturesGrpcPb;
  /** google.protobuf.Any, resolved from the client package so that status_pb and we share one instance. */
  any: typeof AnyPb;
  /** google.protobuf.Empty (BatchAppend and shared.WrongExpectedVersion use it instead of shared.Empty). */
  empty: typeof EmptyPb;
}

export function loadEsdbProto(): EsdbProto {
  const require = createRequire(import.meta.url);
  const generated = (name: string): string => require.resolve(`@eventstore/db-client/generated/${name}`);
  // google-protobuf as the client package resolves it (one instance shared with its generated code).
  const fromClient = createRequire(generated('status_pb.js'));
  return {
    streams: require(generated('streams_pb.js')) as typeof StreamsPb,
    streamsGrpc: require(generated('streams_grpc_pb.js')) as typeof StreamsGrpcPb,
    shared: require(generated('shared_pb.js')) as typeof SharedPb,
    status: require(generated('status_pb.js')) as typeof StatusPb,
    serverFeatures: require(generated('serverfeatures_pb.js')) as typeof ServerFeaturesPb,
    serverFeaturesGrpc: require(generated('serverfeatures_grpc_pb.js')) as typeof ServerFeaturesGrpcPb,
    any: fromClient('google-protobuf/google/protobuf/any_pb.js') as typeof AnyPb,
    empty: fromClient('google-protobuf/google/protobuf/empty_pb.js') as typeof EmptyPb,
  };
}
