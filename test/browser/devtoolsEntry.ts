// The devtools test page: ./devtoolsHook first (it wraps what the test page makes its managers with), then
// the test page itself.
import './devtoolsHook';
import './pageEntry';
