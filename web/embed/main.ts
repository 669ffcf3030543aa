console.log("embed")
