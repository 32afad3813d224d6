// Loaded `async` ahead of main.js: asks for the first page of leads while the rest of the UI's modules are
// still being fetched, so the list request and the module loading overlap on a cold start. Only the two
// modules it needs are imported (neither imports anything); main.js's first `listLeads` takes the answer.
// A starting query with keys only feature modules know (referral type, D365 status) is left to main.js:
// this early state would lack them, and the request would be wasted.

import { prefetchLeads } from "./api.js";
import { initialQueryIsKnown, initialState } from "./state.js";

if (initialQueryIsKnown()) prefetchLeads(initialState());
