export { KeyedScheduler, updateKey } from "@bot/dispatcher";
