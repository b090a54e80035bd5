/**
 * Errors of the runtime: every failure is a {@link BackstageError} with a stable `code`, and a
 * subclass per code so `instanceof` works as well as `switch (err.code)`.
 */

/** The stable error codes shared with the Rust runtime. */
export type ErrorCode =
  | "NO_SUCH_ACTOR"
  | "ACTOR_STOPPED"
  | "MAILBOX_FULL"
  | "UNROUTABLE"
  | "ASK_TIMEOUT"
  | "HANDLER_FAILED"
  | "NO_REPLY"
  | "NAME_TAKEN"
  | "TYPE_MISMATCH"
  | "ABORTED"
  | "RUNTIME_SHUT_DOWN"
  | "RUNTIME_BUSY"
  | "RUNTIME_ABORTED"
  | "INVALID_MESSAGE"
  | "UNKNOWN_METHOD"
  | "BAD_ARGUMENTS"
  | "REPLY_DECODE_FAILED"
  | "MALFORMED_FRAME"
  | "FRAME_TOO_LARGE"
  | "FRAME_TOO_DEEP"
  | "INVALID_ARGUMENT";

/** Base class of every error the runtime raises. */
export class BackstageError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The target id never named an actor (or is not an id). */
export class NoSuchActorError extends BackstageError {}
/** The actor has stopped; its id will never be valid again. */
export class ActorStoppedError extends BackstageError {}
/** The mailbox is full and its overflow policy rejects. */
export class MailboxFullError extends BackstageError {}
/** No reply came before the ask's timeout. */
export class AskTimeoutError extends BackstageError {}
/** The handler threw, or its promise rejected. */
export class HandlerFailedError extends BackstageError {}
/** The request was dropped unanswered (the actor stopped first, or a responder was dropped). */
export class NoReplyError extends BackstageError {}
/** Another live actor has this name. */
export class NameTakenError extends BackstageError {}
/** The caller's `AbortSignal` fired before the reply came. */
export class AbortedError extends BackstageError {}
/** The system was shut down. */
export class RuntimeShutDownError extends BackstageError {}
/** The WebAssembly instance aborted; every pending ask is rejected with this. */
export class RuntimeAbortedError extends BackstageError {}
/** A value that does not fit a Rust actor's message type (or malformed CBOR bytes); nothing was sent. */
export class InvalidMessageError extends BackstageError {}
/** A proxy call named a method the actor does not have. */
export class UnknownMethodError extends BackstageError {}
/** A proxy call's arguments do not fit the method (count or shape). */
export class BadArgumentsError extends BackstageError {}
/** A method's reply does not decode as its declared type. */
export class ReplyDecodeError extends BackstageError {}
/** An argument of the wrong type or out of range (an option, a behaviour, a timeout). */
export class InvalidArgumentError extends BackstageError {}

const classes: Partial<Record<ErrorCode, new (code: ErrorCode, message: string, options?: { cause?: unknown }) => BackstageError>> = {
  NO_SUCH_ACTOR: NoSuchActorError,
  ACTOR_STOPPED: ActorStoppedError,
  MAILBOX_FULL: MailboxFullError,
  ASK_TIMEOUT: AskTimeoutError,
  HANDLER_FAILED: HandlerFailedError,
  NO_REPLY: NoReplyError,
  NAME_TAKEN: NameTakenError,
  ABORTED: AbortedError,
  RUNTIME_SHUT_DOWN: RuntimeShutDownError,
  RUNTIME_ABORTED: RuntimeAbortedError,
  INVALID_MESSAGE: InvalidMessageError,
  UNKNOWN_METHOD: UnknownMethodError,
  BAD_ARGUMENTS: BadArgumentsError,
  REPLY_DECODE_FAILED: ReplyDecodeError,
  INVALID_ARGUMENT: InvalidArgumentError,
};

// A trap of the WebAssembly instance (e.g. a Rust panic); looked up at run time because the
// package compiles without the DOM's type library.
const WasmRuntimeError = (globalThis as { WebAssembly?: { RuntimeError?: abstract new () => Error } }).WebAssembly
  ?.RuntimeError;

/** Turns whatever the wasm layer threw into the matching {@link BackstageError} subclass. */
export function toBackstageError(thrown: unknown): BackstageError {
  if (thrown instanceof BackstageError) return thrown;
  const code = (thrown as { code?: unknown } | null)?.code;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  if (typeof code === "string") {
    const Class = classes[code as ErrorCode] ?? BackstageError;
    return new Class(code as ErrorCode, message, { cause: thrown });
  }
  if (WasmRuntimeError && thrown instanceof WasmRuntimeError) {
    return new RuntimeAbortedError("RUNTIME_ABORTED", message, { cause: thrown });
  }
  return new InvalidArgumentError("INVALID_ARGUMENT", message, { cause: thrown });
}
