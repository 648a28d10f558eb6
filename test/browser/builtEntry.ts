// The package as an application imports it: by name, through its exports map, from the built output.
import * as gkc from 'gkc-session';

(window as unknown as { built: typeof gkc }).built = gkc;
