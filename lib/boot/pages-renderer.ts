import Module from "node:module";
import type { ReactNode } from "react";

/**
 * Next.js renders Pages Router pages with react-dom's edge build, in Node too
 * (next/dist/server/ReactDOMServerPages.js: "TODO: Use Node.js build unless
 * we're in an Edge runtime"), then reads the stream back into one string
 * before sending the page. The edge build encodes every attribute and text
 * into its own Uint8Array: on Admin Groups (300 forms) 13 % of the server's
 * CPU went to TextEncoder and 25 % to collecting what it left (bench/README.md).
 *
 * Ferry's Pages Router pages are the ones without the React runtime: their
 * data is read before they render, so they neither stream nor suspend. For
 * them react-dom's string renderer (react-dom/server.node renderToString)
 * gives the same HTML with ~30 % less CPU. This hook hands it to Next's pages
 * runtime alone, in production; the App Router renders with its own React.
 * A render that takes options, suspends or throws goes to the edge build as before.
 */

type Load = (request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean) => unknown;
type EdgeServer = { renderToReadableStream: (element: ReactNode, options?: object) => Promise<ReadableStream> };
type StringServer = { renderToString: (element: ReactNode) => string };

/** Next's production pages runtime (webpack or Turbopack build), which requires react-dom/server.edge. */
export const PAGES_RUNTIME = /[\\/]next[\\/]dist[\\/]compiled[\\/]next-server[\\/]pages(?:-turbo)?\.runtime\.prod\.js$/;

let installed = false;

export function installPagesRenderer(): void {
  if (installed) return;
  installed = true;
  const mod = Module as unknown as { _load: Load };
  const load = mod._load;
  let renderer: unknown;
  mod._load = function loadWithPagesRenderer(this: unknown, request, parent, isMain) {
    if (request !== "react-dom/server.edge" || !PAGES_RUNTIME.test(parent?.filename ?? "")) {
      return load.call(this, request, parent, isMain);
    }
    renderer ??= withStringRenderer(
      load.call(this, request, parent, isMain) as EdgeServer,
      load.call(this, "react-dom/server.node", parent, isMain) as StringServer,
    );
    return renderer;
  };
}

export const RENDERED_TWICE =
  "[ferry] a page without the React runtime was rendered twice: it threw or suspended (an async component?), so the edge build rendered it again";

let warned = false;

/** Said once per process: a page paying for two renders is a bug to fix (components/install/qr-code.tsx was one). */
function renderedTwice(): void {
  if (warned) return;
  warned = true;
  console.warn(RENDERED_TWICE);
}

/** The edge build with its renderToReadableStream answered by the string renderer where it can. */
export function withStringRenderer<E extends EdgeServer>(edge: E, node: StringServer): E {
  const encoder = new TextEncoder();
  return {
    ...edge,
    renderToReadableStream(element: ReactNode, options?: object) {
      if (options && Object.keys(options).length > 0) return edge.renderToReadableStream(element, options);
      let html: string;
      try {
        html = node.renderToString(element);
      } catch {
        renderedTwice();
        return edge.renderToReadableStream(element, options);
      }
      // A Suspense boundary that suspended: the string renderer leaves it to a client these pages do not have.
      if (html.includes("<!--$!")) {
        renderedTwice();
        return edge.renderToReadableStream(element, options);
      }
      const bytes = encoder.encode(html);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
      // What Next awaits before reading the stream (Fizz's ReactDOMServerReadableStream).
      return Promise.resolve(Object.assign(stream, { allReady: Promise.resolve() }));
    },
  };
}
