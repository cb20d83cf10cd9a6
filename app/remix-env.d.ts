/// <reference types="@remix-run/dev" />
/// <reference types="@remix-run/node" />

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** Client address of the request as the server socket or trusted proxy reports it. */
    clientIp?: string;
  }
}
export {};
