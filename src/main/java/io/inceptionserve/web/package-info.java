/** What both HTTP APIs ({@code api} and {@code oip}) need from the web server itself, Tomcat. */
package io.inceptionserve.web;
