// Loaded `async` ahead of main.js: asks for the first page of leads while the rest of the UI's modules are
// still being fetched, so the list request and the module loading overlap on a cold start. Only the two
// modules it needs are imported (neither imports anything); main.js's first `listLeads` takes the answer.

import { prefetchLeads } from "./api.js";
import { initialState } from "./state.js";

prefetchLeads(initialState());
