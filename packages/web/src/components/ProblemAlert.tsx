import type { ReactNode } from 'react';
import { describeError } from '../lib/format';

/** An API error as the user sees it: the problem's title and detail, the invalid fields, and the request id. */
export function ProblemAlert(props: { error: unknown; title?: string; children?: ReactNode }) {
  const view = describeError(props.error);
  return (
    <div className="alert" role="alert">
      <span className="alert-title">{props.title ?? view.title}</span>
      {props.title && <span>{view.title}</span>}
      {view.detail && <span>{view.detail}</span>}
      {view.fields && view.fields.length > 0 && (
        <ul>
          {view.fields.map((f) => (
            <li key={f.path}>
              <code>{f.path}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
      {props.children}
      {(view.requestId ?? view.code) && (
        <span className="request-id">
          {view.code}
          {view.requestId ? ` · request ${view.requestId}` : ''}
        </span>
      )}
    </div>
  );
}
