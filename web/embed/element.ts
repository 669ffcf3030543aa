export {}; console.log("element")
