// Moving between a console's pages without reloading: the console listens to popstate.
export function navigate(path: string): void {
  if (location.pathname + location.search !== path) history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

/** For links: a plain left click navigates in place; others open as the browser likes. */
export function linkClick(e: MouseEvent, path: string): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(path);
}

/** A page of a console's side navigation. `hidden`: reached by a link, not listed. */
export interface NavItem<P extends string = string> {
  page: P;
  path: string;
  label: string;
  hidden?: boolean;
  /** A count beside the link (things waiting there), with `badgeLabel` said for it. */
  badge?: number;
  badgeLabel?: string;
}

export interface NavGroup<P extends string = string> {
  label: string;
  items: NavItem<P>[];
}
