// Registers cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties, …).
import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();
